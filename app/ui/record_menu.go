package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"eportid/app/model"
)

// The menu entries of the filings and changes (N2–N4, L1–L7), each a
// RecordPage: "<kind>-pre" the no-card pre-entry, "<kind>" the card
// holder's filing, "<kind>-change" a change (legal-person-change too).
func init() {
	nocard := []model.Role{model.RoleNoCardAdmin}
	card := []model.Role{model.RoleLegalCard}
	for _, k := range model.QualificationKinds {
		menuEntries = append(menuEntries, menuEntry{Key: menuKey(k) + "-pre", Label: "企业" + k.FilingLabel() + "（预录入）", Icon: "form", Group: "企业备案", Roles: nocard})
	}
	for _, k := range model.QualificationKinds {
		menuEntries = append(menuEntries, menuEntry{Key: menuKey(k), Label: "企业" + k.FilingLabel(), Icon: "form", Group: "企业备案", Roles: card})
	}
	menuEntries = append(menuEntries, menuEntry{Key: "legal-person-change", Label: "法人信息变更", Icon: "change", Group: "企业变更", Roles: card})
	for _, k := range model.QualificationKinds {
		menuEntries = append(menuEntries, menuEntry{Key: menuKey(k) + "-change", Label: "企业" + k.ChangeLabel(), Icon: "change", Group: "企业变更", Roles: card})
	}
}

// menuKey is a kind as menu keys write it ("legal-person", "customs").
func menuKey(k model.FilingKind) string { return strings.ReplaceAll(string(k), "_", "-") }

// recordPanel returns the RecordPage of a menu key, or nil.
func recordPanel(key string, sess *model.Session) app.UI {
	base, change := strings.CutSuffix(key, "-change")
	base, pre := strings.CutSuffix(base, "-pre")
	kind := model.FilingKind(strings.ReplaceAll(base, "-", "_"))
	if !kind.Valid() || (pre && change) || (!change && !kind.Qualification()) {
		return nil
	}
	return &RecordPage{Kind: kind, Change: change, Pre: pre, EnterpriseID: sess.EnterpriseID, Role: sess.Role, CardNumber: sess.CardNumber}
}
