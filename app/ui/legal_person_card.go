package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// The card side of 法人信息录入: the record's card signature (X3) next to
// its state, and its 历史记录 (the audit trail, X4; HistoryPanel) under the form.

// renderSignature shows #signature: 已签名 with the signer, when the
// record's declaration was signed with a card and the server verified it.
func (c *LegalPersonPage) renderSignature() app.UI {
	if c.rec == nil || c.rec.Signature == nil {
		return app.Span().ID("signature").Class("sig-none")
	}
	s := c.rec.Signature
	signer := s.HolderName + "（" + s.CardKind.Label() + " " + s.CardNumber + "）"
	if !s.Verified {
		return app.Span().ID("signature").Class("sig sig-bad").Title("签名与记录内容不符").
			Text("签名验证未通过 · " + signer)
	}
	return app.Span().ID("signature").Class("sig sig-ok").
		Title("证书序列号 " + s.CertSerial + "，签名时间 " + formatTime(s.SignedAt)).
		Text("已签名 · " + signer + " · " + formatTime(s.SignedAt))
}
