package simulator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/scimtest/scimtest/simulator"
)

// A spec attaches its own recorder to the shared client and reads back the
// redacted exchanges.
func ExampleClient_WithHook() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"2819c223","userName":"bjensen@example.com"}`)
	}))
	defer srv.Close()

	c, err := simulator.New(simulator.Options{BaseURL: srv.URL + "/scim/v2", Auth: simulator.Bearer("t0ken")})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec simulator.Recorder
	spec := c.WithHook(rec.Hook())
	resp, err := spec.Post(context.Background(), "/Users", map[string]any{
		"userName": "bjensen@example.com", "password": "t1meMa$heen",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ex := rec.Exchanges()[0]
	fmt.Println(resp.Status, resp.JSON().Get("id"))
	fmt.Println(ex.Method, ex.RequestHeader["Authorization"][0])
	fmt.Println(ex.RequestBody)
	// Output:
	// 201 2819c223
	// POST Bearer REDACTED
	// {"password":"REDACTED","userName":"bjensen@example.com"}
}
