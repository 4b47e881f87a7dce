package ui

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/apiclient"
	"eportid/app/model"
)

// Drafts and copies in the browser's local storage.
//
// A draft is input typed into a filing or a change and not yet saved
// (暂存), online or offline: it is kept under
//
//	eportid.draft.<user>.<enterprise>.<kind>[.change].<record id|new>
//
// with every value of the form, the grey (system) ones included, so that
// a new record typed offline still has the credit code and the other
// values the system filled; an existing record's draft carries the
// record's version and values it was typed on, so that a record changed on
// the server meanwhile is shown beside the draft and never overwritten
// silently.
//
// A copy is the last known answer of the server: the lists and back-fill of
// a page (eportid.copy.<user>.<enterprise>.<kind>[.change]) and the shared
// reference lists (eportid.copy.ref.<list>). Pages open from their copy,
// read-only apart from drafts, while the server cannot be reached.
//
// Both live in localStorage, not IndexedDB: go-app's ctx.LocalStorage is
// synchronous, so a keystroke is kept before the handler returns, and the
// records are a few kilobytes. Every key names its user: one user's drafts
// and copies are never read for another user of the same browser.
const (
	draftPrefix = "eportid.draft."
	copyPrefix  = "eportid.copy."
	// legacyDraftPrefix held unsaved input without its user; such drafts
	// cannot be told apart by user and are dropped.
	legacyDraftPrefix = "eportid.rec-draft."
)

// stateDrafts is the number of the session user's drafts (int), kept
// current by storeDraft and dropDraft for the banner.
const stateDrafts = "eportid.drafts"

// keyPart escapes s for use between the dots of a storage key.
func keyPart(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), ".", "%2E")
}

// userPrefix is the start of every draft key of user.
func userPrefix(user string) string { return draftPrefix + keyPart(user) + "." }

// pageKey is "<user>.<enterprise>.<kind>[.change]", the part of the keys
// that names a page's records.
func pageKey(user string, enterprise int64, kind model.FilingKind, change bool) string {
	k := keyPart(user) + "." + strconv.FormatInt(enterprise, 10) + "." + string(kind)
	if change {
		k += ".change"
	}
	return k
}

// draftKey is the key of the draft of record id (0: a new record).
func draftKey(user string, enterprise int64, kind model.FilingKind, change bool, id int64) string {
	rec := "new"
	if id != 0 {
		rec = strconv.FormatInt(id, 10)
	}
	return draftPrefix + pageKey(user, enterprise, kind, change) + "." + rec
}

// copyKey is the key of a page's copy.
func copyKey(user string, enterprise int64, kind model.FilingKind, change bool) string {
	return copyPrefix + pageKey(user, enterprise, kind, change)
}

// draft is input not yet saved.
type draft struct {
	User         string           `json:"user"`
	EnterpriseID int64            `json:"enterprise_id"`
	Kind         model.FilingKind `json:"kind"`
	Change       bool             `json:"change,omitempty"`
	// Page is the menu key of the page it was typed in (a tab).
	Page string `json:"page"`
	// ID is the record's id, 0 for a new record; FilingID the approved
	// filing a new change changes.
	ID       int64 `json:"id,omitempty"`
	FilingID int64 `json:"filing_id,omitempty"`
	// Version and Base are the record's version and values the draft was
	// typed on (0 and nil for a new record).
	Version int          `json:"version,omitempty"`
	Base    model.Fields `json:"base,omitempty"`
	// Values are the form's values, the grey ones included.
	Values  model.Fields `json:"values"`
	SavedAt time.Time    `json:"saved_at"`
	// Offline: typed while the server could not be reached.
	Offline bool `json:"offline,omitempty"`
}

func (d draft) key() string { return draftKey(d.User, d.EnterpriseID, d.Kind, d.Change, d.ID) }

// label names the draft for the user: the page and the record.
func (d draft) label() string {
	sp := d.Kind.Spec()
	name := string(d.Kind)
	if sp != nil {
		name = sp.MenuLabel
		if d.Change {
			name = sp.ChangeMenuLabel
		}
	}
	if d.ID == 0 {
		return name + "（新增）"
	}
	return name + "（编号 " + strconv.FormatInt(d.ID, 10) + "）"
}

// storeDraft keeps d.
func storeDraft(ctx app.Context, d draft) {
	d.SavedAt = time.Now()
	ctx.LocalStorage().Set(d.key(), d)
	noteDrafts(ctx)
}

// readDraft is the draft under key, if there is one.
func readDraft(ctx app.Context, key string) (draft, bool) {
	var d draft
	if err := ctx.LocalStorage().Get(key, &d); err != nil || d.Values == nil {
		return draft{}, false
	}
	return d, true
}

// dropDraft forgets the draft under key.
func dropDraft(ctx app.Context, key string) {
	ctx.LocalStorage().Del(key)
	noteDrafts(ctx)
}

// userDrafts are the drafts of user, oldest first.
func userDrafts(ctx app.Context, user string) []draft {
	if user == "" {
		return nil
	}
	prefix := userPrefix(user)
	var out []draft
	ctx.LocalStorage().ForEach(func(k string) {
		if !strings.HasPrefix(k, prefix) {
			return
		}
		if d, ok := readDraft(ctx, k); ok && d.User == user {
			out = append(out, d)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].SavedAt.Before(out[j].SavedAt) })
	return out
}

// currentUser is the session's user name ("" without a session).
func currentUser() string {
	if session == nil {
		return ""
	}
	return session.Username
}

// draftCount is the number of the current user's drafts.
func draftCount() int {
	user := currentUser()
	if user == "" {
		return 0
	}
	// The user's part of the key is escaped (no dots): the prefix is
	// the user's alone.
	return localKeyCount(userPrefix(user))
}

// localKeyCount is the number of local storage keys starting with prefix
// (the keys as ctx.LocalStorage writes them). It needs no context, so a
// Render may count.
func localKeyCount(prefix string) int {
	if app.IsServer {
		return 0
	}
	ls, n := app.Window().Get("localStorage"), 0
	for i := 0; i < ls.Length(); i++ {
		if strings.HasPrefix(ls.Call("key", i).String(), prefix) {
			n++
		}
	}
	return n
}

// noteDrafts publishes the current user's number of drafts.
func noteDrafts(ctx app.Context) {
	n := draftCount()
	var cur int
	ctx.GetState(stateDrafts, &cur)
	if cur != n {
		ctx.SetState(stateDrafts, n)
	}
}

// dropLegacyDrafts removes unsaved input stored without its user.
func dropLegacyDrafts(ctx app.Context) {
	var old []string
	ctx.LocalStorage().ForEach(func(k string) {
		if strings.HasPrefix(k, legacyDraftPrefix) {
			old = append(old, k)
		}
	})
	for _, k := range old {
		ctx.LocalStorage().Del(k)
	}
}

// pageCopy is a page's last known answer of the server.
type pageCopy struct {
	At       time.Time        `json:"at"`
	Filings  []apiclient.Rec  `json:"filings"`
	Changes  []apiclient.Rec  `json:"changes,omitempty"`
	Backfill *model.Backfill  `json:"backfill,omitempty"`
	Kind     model.FilingKind `json:"kind"`
}

func storeCopy(ctx app.Context, key string, c pageCopy) {
	c.At = time.Now()
	ctx.LocalStorage().Set(key, c)
}

func readCopy(ctx app.Context, key string) (pageCopy, bool) {
	var c pageCopy
	if err := ctx.LocalStorage().Get(key, &c); err != nil || c.At.IsZero() {
		return pageCopy{}, false
	}
	return c, true
}

// updateCopy puts r, as just read from the server, into the copy under key.
func updateCopy(ctx app.Context, key string, r apiclient.Rec) {
	c, ok := readCopy(ctx, key)
	if !ok {
		return
	}
	list := &c.Filings
	if r.Change {
		list = &c.Changes
	}
	for i := range *list {
		if (*list)[i].ID == r.ID {
			(*list)[i] = r
			ctx.LocalStorage().Set(key, c)
			return
		}
	}
	*list = append([]apiclient.Rec{r}, *list...)
	ctx.LocalStorage().Set(key, c) // the copy's time stays that of its lists
}

// dropFromCopy removes the record id, deleted, from the copy under key.
func dropFromCopy(ctx app.Context, key string, id int64) {
	c, ok := readCopy(ctx, key)
	if !ok {
		return
	}
	keep := func(l []apiclient.Rec) []apiclient.Rec {
		out := l[:0]
		for _, r := range l {
			if r.ID != id {
				out = append(out, r)
			}
		}
		return out
	}
	c.Filings, c.Changes = keep(c.Filings), keep(c.Changes)
	ctx.LocalStorage().Set(key, c)
}

// refCopyKey is the key of the copy of a shared reference list.
func refCopyKey(list string) string { return copyPrefix + "ref." + keyPart(list) }

// copyNote says that what is shown is the copy of at.
func copyNote(at time.Time) string {
	return "服务器暂时无法访问：以下是本机保存的 " + formatTime(at) + " 的副本。列表和已申报、审批通过的记录只读，不能申报或删除；新增或暂存状态的记录可继续录入，内容保存为本机草稿，恢复连接后请核对并点击【暂存】。"
}
