package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/version"
)

func newVersionCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Args:  exactArgs(0, 0, "none"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.RunE = a.runE(func(_ context.Context, cmd *cobra.Command, _ []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		v := version.Get()
		if f.Machine() {
			return output.WriteDoc(cmd.OutOrStdout(), f, v)
		}
		output.PrintVersion(cmd.OutOrStdout(), v)
		return nil
	})
	return cmd
}
