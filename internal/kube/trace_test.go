package kube_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/kube"
)

func TestRequestTraceRecordsEachRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			w.WriteHeader(http.StatusConflict)
		}
	}))
	defer srv.Close()
	var tr kube.RequestTrace
	c := &http.Client{Transport: tr.Wrap(http.DefaultTransport)}
	if _, err := c.Get(srv.URL + "/apis/apps/v1/namespaces/shop/deployments/checkout"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/x?dryRun=All", nil)
	if _, err := c.Do(req); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	tr.Print(&out)
	s := out.String()
	for _, want := range []string{"request: GET /apis/apps/v1/namespaces/shop/deployments/checkout 200", "request: PATCH /x?dryRun=All 409", "requests: 2"} {
		if !strings.Contains(s, want) {
			t.Errorf("trace lacks %q:\n%s", want, s)
		}
	}
}
