package registry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"eportid/app/model"
	"eportid/backend/registry"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestDBDeclarants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.LoadRegistryFixtures(ctx); err != nil {
			t.Fatal(err)
		}
		r := registry.NewDBDeclarants(s)
		list, err := r.Of(ctx, shenzhen)
		if err != nil || len(list) != 3 {
			t.Fatalf("shenzhen: %v %v", list, err)
		}
		states := map[model.DeclarantState]int{}
		for _, d := range list {
			if d.CreditCode != shenzhen || d.Check() != nil {
				t.Errorf("declarant %+v: %v", d, d.Check())
			}
			states[d.State]++
		}
		if states[model.DeclarantNormal] != 2 || states[model.DeclarantCancelled] != 1 {
			t.Errorf("states %v", states)
		}
		if list, err := r.Of(ctx, nowhere); err != nil || len(list) != 0 {
			t.Errorf("nowhere: %v %v", list, err)
		}
		// Loading twice changes nothing.
		if err := s.LoadRegistryFixtures(ctx); err != nil {
			t.Fatal(err)
		}
		if again, _ := r.Of(ctx, shenzhen); len(again) != 3 {
			t.Errorf("after a second load: %v", again)
		}
		s2 := storetest.Open(t, s.Dialect())
		s2.Close()
		if _, err := registry.NewDBDeclarants(s2).Of(ctx, shenzhen); !errors.Is(err, registry.ErrUnavailable) {
			t.Errorf("closed store: %v", err)
		}
	})
}

func TestHTTPDeclarants(t *testing.T) {
	ctx := context.Background()
	const one = `{"declarant_no": "5300190001", "name": "赵一鸣", "id_type": "1", "id_number": "440305199003151236", "credit_code": %q, "state": %q}`
	var gotQuery, gotAccept string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		gotQuery, gotAccept = r.URL.RawQuery, r.Header.Get("Accept")
		code := r.URL.Query().Get("credit_code")
		switch code {
		case nowhere:
			http.NotFound(w, r)
		case fuzhou:
			fmt.Fprintf(w, "["+one+"]", shenzhen, "normal") // another enterprise's
		case guangzhou:
			fmt.Fprintf(w, "["+one+"]", code, "suspended") // no such state
		case "91350100MA2Y4N6P9X":
			http.Error(w, "down", http.StatusBadGateway)
		case "91350100MA2Y4N6P9Y":
			time.Sleep(300 * time.Millisecond)
			fmt.Fprint(w, "[]")
		case "91350100MA2Y4N6P9Z":
			fmt.Fprint(w, `{"declarants": []}`)
		default:
			fmt.Fprintf(w, "["+one+"]", code, "cancelled")
		}
	})
	r := registry.NewHTTPDeclarants(srv.URL+"/declarants?token=abc", 100*time.Millisecond, nil)
	list, err := r.Of(ctx, shenzhen)
	if err != nil || len(list) != 1 || list[0].Name != "赵一鸣" || list[0].State != model.DeclarantCancelled {
		t.Errorf("shenzhen: %v %v", list, err)
	}
	if !strings.Contains(gotQuery, "token=abc") || !strings.Contains(gotQuery, "credit_code="+shenzhen) || gotAccept != "application/json" {
		t.Errorf("query %q accept %q", gotQuery, gotAccept)
	}
	if list, err := r.Of(ctx, nowhere); err != nil || list == nil || len(list) != 0 {
		t.Errorf("404: %v %v", list, err)
	}
	for code, want := range map[string]error{
		fuzhou: registry.ErrBadResponse, guangzhou: registry.ErrBadResponse, "91350100MA2Y4N6P9Z": registry.ErrBadResponse,
		"91350100MA2Y4N6P9X": registry.ErrUnavailable, "91350100MA2Y4N6P9Y": registry.ErrUnavailable,
	} {
		start := time.Now()
		_, err := r.Of(ctx, code)
		var re *registry.Error
		if !errors.Is(err, want) || !errors.As(err, &re) || re.Registry != registry.DeclarantRegistry || re.CreditCode != code {
			t.Errorf("%s: %v, want %v", code, err, want)
		}
		if time.Since(start) > 250*time.Millisecond {
			t.Errorf("%s: took %v, past the timeout", code, time.Since(start))
		}
		if msg := registry.DeclarantMessage(err); !strings.Contains(msg, "海关报关人员") {
			t.Errorf("message %q", msg)
		}
	}
	if _, err := registry.NewHTTPDeclarants("", 0, nil).Of(ctx, shenzhen); !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("no endpoint: %v", err)
	}
}
