package textsafe

import "testing"

func TestString(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "checkout-7d9f8", "checkout-7d9f8"},
		{"empty", "", ""},
		{"accents and CJK kept", "déploiement 日本語 ✓ 🚀", "déploiement 日本語 ✓ 🚀"},
		{"ESC CSI colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"OSC title with BEL", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"OSC 52 clipboard with ST", "\x1b]52;c;ZWNobw==\x1b\\", `\x1b]52;c;ZWNobw==\x1b\`},
		{"C1 CSI as UTF-8", "a\u009b31mb", `a\u009b31mb`},
		{"C1 OSC and ST", "\u009d0;x\u009c", `\u009d0;x\u009c`},
		{"raw C1 byte (invalid UTF-8)", "a\x9b2Jb", `a\x9b2Jb`},
		{"newline tab CR", "a\nb\tc\rd", `a\nb\tc\rd`},
		{"backspace and DEL", "ok\b\b\x7f", `ok\x08\x08\x7f`},
		{"NUL", "a\x00b", `a\x00b`},
		{"bidi override", "image\u202egpj.exe", `image\u202egpj.exe`},
		{"line separator", "a\u2028b", `a\u2028b`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := String(c.in)
			if got != c.want {
				t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
			}
			if Safe(c.in) != (c.in == c.want) {
				t.Errorf("Safe(%q) = %v", c.in, Safe(c.in))
			}
			// Whatever comes out must itself be safe to print again.
			if !Safe(got) {
				t.Errorf("String(%q) = %q is not itself safe", c.in, got)
			}
		})
	}
}

func TestBlockKeepsLayout(t *testing.T) {
	in := "spec:\n\tcontainers:\n- image: x\x1b[2J\n"
	want := "spec:\n\tcontainers:\n- image: x\\x1b[2J\n"
	if got := Block(in); got != want {
		t.Errorf("Block = %q, want %q", got, want)
	}
	if got := Block("a\rb"); got != `a\rb` {
		t.Errorf("Block keeps CR: %q", got)
	}
}

func TestStrings(t *testing.T) {
	got := Strings([]string{"a", "\x1b"})
	if got[0] != "a" || got[1] != `\x1b` {
		t.Errorf("Strings = %q", got)
	}
}
