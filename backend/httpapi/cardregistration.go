package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/emmansun/gmsm/smx509"

	"eportid/app/model"
	"eportid/backend/ca"
	"eportid/backend/cardauth"
	"eportid/backend/store"
)

// Card registration (有卡注册, R3): a legal-person card registers itself and
// its enterprise (POST /api/card-registrations).

// cardRegister: POST /api/card-registrations (有卡注册, R3). A legal-person
// card proves possession (PIN, signed nonce); its certificate names the
// enterprise, which is created if new; the card is bound to it.
func (a *API) cardRegister(w http.ResponseWriter, r *http.Request) error {
	var req model.CardRegistrationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx, now := r.Context(), a.now()
	id, err := a.checkProof(ctx, r, req.CardLoginProof, now)
	if err != nil {
		return err
	}
	if id.CardKind != ca.CardLegalPerson {
		return &Error{Code: model.ErrForbidden, Message: "有卡注册须使用企业法人卡；操作员卡由本企业法人卡持有人申请"}
	}
	cert, err := smx509.ParseCertificate(req.Certificate)
	if err != nil { // checked by checkProof already
		return certError(fmt.Errorf("%w: %v", cardauth.ErrNotCardCertificate, err))
	}
	name := strings.TrimSpace(req.NameCN)
	if name == "" && len(cert.Subject.Organization) > 0 {
		name = strings.TrimSpace(cert.Subject.Organization[0])
	}
	if _, err := a.Store.EnterpriseByCreditCode(ctx, id.CreditCode); errors.Is(err, store.ErrNotFound) {
		switch {
		case name == "":
			return invalid(model.FieldErrors{"name_cn": "企业中文名称：必填，不能为空（IC 卡证书中没有企业名称）"})
		case utf8.RuneCountInString(name) > 100:
			return invalid(model.FieldErrors{"name_cn": "企业中文名称：最多100个字符"})
		}
	} else if err != nil {
		return err
	}
	card, ent, created, err := a.Store.RegisterCard(ctx, store.CardRegistration{
		CardNumber: id.CardNumber, Kind: model.CardKind(id.CardKind), HolderName: id.HolderName,
		Certificate: req.Certificate, Serial: id.SerialHex, NotAfter: id.NotAfter,
		CreditCode:    id.CreditCode,
		NewEnterprise: store.Enterprise{NameCN: name, LegalRepName: id.HolderName},
	})
	if errors.Is(err, store.ErrCardRegistered) {
		return &Error{Code: model.ErrConflict, Message: "该 IC 卡已注册，请直接使用【IC 卡登录】", Err: err}
	}
	if err != nil {
		return err
	}
	a.Log.InfoContext(ctx, "card registered", "card", card.Number, "enterprise_id", ent.ID, "new_enterprise", created)
	msg := "有卡注册成功：IC 卡 " + card.Number + "（" + card.HolderName + "）已绑定企业“" + ent.NameCN + "”。请使用【IC 卡登录】。"
	writeJSON(w, http.StatusCreated, model.Accepted{Message: msg})
	return nil
}
