package ui

import (
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// The menu entries of the filings and changes of model.Kinds, each a
// RecordPage: "<kind>" the filing (the no-card administrator's too where
// the kind lets it declare, N1), "<kind>-pre" the no-card pre-entry of
// the others (N2–N4), "<kind>-change" a change (L4–L7).
func init() {
	nocard := []model.Role{model.RoleNoCardAdmin}
	card := []model.Role{model.RoleLegalCard}
	// An operator card files the kinds it is authorised for (menuEntry.Kind).
	filers := []model.Role{model.RoleLegalCard, model.RoleOperatorCard}
	var filings, pre, changes []menuEntry
	for _, sp := range model.Kinds {
		key := sp.Kind.MenuKey()
		if sp.NoCardDeclares {
			filings = append(filings, menuEntry{Key: key, Label: sp.MenuLabel, Icon: "form", Group: sp.Group(false), Roles: append(append([]model.Role{}, nocard...), filers...), Kind: sp.Kind})
		} else {
			pre = append(pre, menuEntry{Key: key + "-pre", Label: sp.PreLabel(), Icon: "form", Group: sp.Group(true), Roles: nocard})
			filings = append(filings, menuEntry{Key: key, Label: sp.MenuLabel, Icon: "form", Group: sp.Group(false), Roles: filers, Kind: sp.Kind})
		}
		if !sp.NoChanges {
			changes = append(changes, menuEntry{Key: key + "-change", Label: sp.ChangeMenuLabel, Icon: "change", Group: "企业变更", Roles: card})
		}
	}
	// The kinds a no-card administrator declares come first, then the
	// pre-entries, then the card holder's filings, then the changes.
	var first, rest []menuEntry
	for _, m := range filings {
		if slices.Contains(m.Roles, model.RoleNoCardAdmin) {
			first = append(first, m)
		} else {
			rest = append(rest, m)
		}
	}
	entries := append(append(append(first, pre...), rest...), changes...)
	menuEntries = append(entries, menuEntries...)
}

// recordPanel returns the RecordPage of a menu key, or nil.
func recordPanel(key string, sess *model.Session) app.UI {
	base, change := strings.CutSuffix(key, "-change")
	base, pre := strings.CutSuffix(base, "-pre")
	sp := model.FilingKind(strings.ReplaceAll(base, "-", "_")).Spec()
	if sp == nil || (pre && change) || (pre && sp.NoCardDeclares) || (change && sp.NoChanges) {
		return nil
	}
	return &RecordPage{Kind: sp.Kind, Change: change, Pre: pre, EnterpriseID: sess.EnterpriseID, User: sess.Username, Role: sess.Role, CardNumber: sess.CardNumber,
		Authorised: sess.AuthorisedKinds}
}
