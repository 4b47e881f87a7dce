package ui

import (
	"strings"
	"testing"

	"eportid/app/model"
)

// One user's drafts are never another's: no user's key prefix starts
// another user's keys, whatever the names hold.
func TestDraftKeysKeepUsersApart(t *testing.T) {
	users := []string{"a", "a.b", "a%2Eb", "card:8000000000000077", "a.", ".a", "a b"}
	for _, u := range users {
		for _, v := range users {
			if u == v {
				continue
			}
			k := draftKey(v, 1, model.FilingCustoms, false, 7)
			if strings.HasPrefix(k, userPrefix(u)) {
				t.Errorf("draft key %q of user %q starts with user %q's prefix %q", k, v, u, userPrefix(u))
			}
		}
	}
	if !strings.HasPrefix(draftKey("x", 3, model.FilingLegalPerson, true, 0), draftPrefix) ||
		!strings.HasPrefix(copyKey("x", 3, model.FilingLegalPerson, true), copyPrefix) {
		t.Error("draft and copy keys must start with their prefixes")
	}
	if a, b := draftKey("x", 3, model.FilingLegalPerson, true, 0), draftKey("x", 3, model.FilingLegalPerson, false, 0); a == b {
		t.Errorf("a change's draft and a filing's share the key %q", a)
	}
}

// A draft puts back what was typed, not the blanks of a form that could
// not be back-filled; its grey fields fill only what the form lacks.
func TestRestoreDraft(t *testing.T) {
	form := model.Form{
		{Key: "credit_code", Kind: model.Required},
		{Key: "address", Kind: model.Required},
		{Key: "name_en", Kind: model.Optional},
		{Key: "subject_code", Kind: model.System},
		{Key: "unified_no", Kind: model.System},
	}
	var f entryForm
	f.fill(map[string]string{"credit_code": "91440300MA5F3K2L57", "unified_no": "53002016000001"}, false)
	// Typed offline as new, when nothing was back-filled.
	d := draft{Values: model.Fields{"credit_code": "", "address": "离线路8号", "subject_code": "MA5F3K2L5", "unified_no": "OLD"}}
	if !f.restore(d, form) {
		t.Fatal("nothing restored")
	}
	want := map[string]string{"credit_code": "91440300MA5F3K2L57", "address": "离线路8号", "subject_code": "MA5F3K2L5", "unified_no": "53002016000001"}
	for k, v := range want {
		if f.values[k] != v {
			t.Errorf("%s = %q, want %q", k, f.values[k], v)
		}
	}
	// Typed on a record: a value cleared by the user is cleared.
	f.fill(map[string]string{"name_en": "Old Name", "address": "a"}, false)
	d = draft{Base: model.Fields{"name_en": "Old Name", "address": "a"}, Values: model.Fields{"name_en": "", "address": "a"}}
	f.restore(d, form)
	if f.values["name_en"] != "" {
		t.Errorf("name_en cleared in the draft = %q after restore", f.values["name_en"])
	}
}
