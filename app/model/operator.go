package model

import (
	"regexp"
	"time"
)

// The operator application (操作员信息, N5 and L8): the enterprise asks for an
// operator card (企业操作员卡) for one of its staff. The no-card administrator
// pre-enters it (操作员信息预录入, 暂存 only); the legal-person card holder
// completes and declares it (企业操作员信息录入, signed); the agent point of
// the enterprise's 发卡机构 reviews it and, once approved, issues the card.
// An enterprise has many; one person (ID number) at most one that is live.

// FilingOperator is the operator application.
const FilingOperator FilingKind = "operator"

// CardKindOperatorLabel is the card kind an operator application asks for.
const CardKindOperatorLabel = "企业操作员卡"

// Attachments of an operator application (上传附件): what they may be.
const (
	// MaxAttachmentBytes is the most bytes one attachment may have.
	MaxAttachmentBytes = 2 << 20
	// AttachmentRule is the rule as the page states it before upload.
	AttachmentRule = "PDF、JPEG 或 PNG 文件，不超过 2 MB"
)

// OptionsAttachment names a file field's value: the id of an uploaded
// attachment of the enterprise.
const OptionsAttachment = "attachment"

var attachmentIDRe = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)

// checkAttachmentID: the id the upload answered with.
func checkAttachmentID(s string) error {
	if !attachmentIDRe.MatchString(s) {
		return errorf("请重新上传附件")
	}
	return nil
}

// OperatorForm is the field list of 操作员信息录入, in screen order.
var OperatorForm = Form{
	{Key: "name", Label: "操作员姓名", Kind: Required, Input: "text", MaxLen: 50},
	{Key: "id_type", Label: "证件类型", Kind: Required, Input: "select", Options: OptionsIDTypes, Check: checkOption(IDTypes)},
	{Key: "id_number", Label: "证件号码", Kind: Required, Input: "text", MaxLen: 30, Upper: true},
	{Key: "mobile", Label: "手机号码", Kind: Required, Input: "tel", MaxLen: 11, Check: CheckMobile},
	{Key: "email", Label: "电子邮箱", Kind: Optional, Input: "email", MaxLen: 100, Check: CheckEmail},
	{Key: "attachment", Label: "上传附件", Kind: Required, Input: "file", Options: OptionsAttachment, Check: checkAttachmentID, Hint: AttachmentRule},
	{Key: "credit_code", Label: "统一社会信用代码", Kind: System, Input: "text", Hint: "由系统反填"},
	{Key: "unified_no", Label: "企业统一编号", Kind: System, Input: "text", Hint: "由系统反填（海关资质备案）"},
	{Key: "card_kind", Label: "操作员卡类型", Kind: System, Input: "text"},
	{Key: "agent_point", Label: "发卡机构", Kind: System, Input: "select", Options: OptionsAgentPoints, Hint: "法人信息中的制卡代理点"},
	{Key: "name_cn", Label: "企业名称", Kind: System, Input: "text"},
	{Key: "address", Label: "企业地址", Kind: System, Input: "text"},
	{Key: "legal_rep_name", Label: "法人代表", Kind: System, Input: "text"},
}

var operatorKind = &KindSpec{
	Kind:  FilingOperator,
	Label: "操作员信息",
	Form:  OperatorForm,
	Fills: []Fill{
		{Key: "credit_code", From: FromLegalPerson},
		{Key: "unified_no", From: FromFiling, Filing: FilingCustoms},
		{Key: "card_kind", From: FromConst, Of: CardKindOperatorLabel},
		{Key: "agent_point", From: FromLegalPerson},
		{Key: "name_cn", From: FromLegalPerson},
		{Key: "address", From: FromLegalPerson},
		{Key: "legal_rep_name", From: FromLegalPerson},
	},
	NeedsLegalPerson: true,
	Many:             true,
	NoChanges:        true,
	UniqueKey:        "id_number",
	Rules: func(v Fields, change bool, mode Mode, errs FieldErrors) {
		checkIDPair(OperatorForm, v, "id_type", "id_number", errs)
	},
	MenuLabel:    "企业操作员信息录入",
	PreMenuLabel: "操作员信息预录入",
	MenuGroup:    "企业操作员",
	PreMenuGroup: "企业操作员预录入",
	PrintTitle:   "企业操作员信息表",
	ListKeys:     []string{"name", "id_number"},
	QueryKeys:    []string{"name", "id_number"},
}

// Attachment is an uploaded file as the API shows it: POST /api/attachments
// (the file's bytes as the body, its name in the X-File-Name header,
// URL-encoded) answers it; GET /api/attachments/{id} downloads the file
// (never inline); the reviewer downloads it through
// GET /api/review/attachments/{id}.
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// AttachmentType is the type of a file by its first bytes: PDF, JPEG or
// PNG, "" for anything else (whatever its name or the browser says).
func AttachmentType(b []byte) string {
	switch {
	case len(b) >= 5 && string(b[:5]) == "%PDF-":
		return "application/pdf"
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	}
	return ""
}

// IssuanceStart is the answer of POST /api/review/operator/{id}/issuance
// (制卡, the reviewer): the single-use token the card bridge checks
// before it personalises a blank card, and what the card will say.
type IssuanceStart struct {
	Token      string    `json:"token"`
	CardNumber string    `json:"card_number"`
	HolderName string    `json:"holder_name"`
	Expires    time.Time `json:"expires"`
}

// IssueCardRequest is the body of POST /api/review/operator/{id}/card:
// the token and the public key the blank card generated (65 bytes,
// 04‖X‖Y).
type IssueCardRequest struct {
	Token     string `json:"token"`
	PublicKey []byte `json:"public_key"`
}

// IssuedCard is its answer: the certificate the CA issued for the card's
// key, the card's admin key and its initial PIN, for the bridge to write;
// the PIN is shown once, for the PIN envelope, and kept nowhere.
type IssuedCard struct {
	CardNumber  string    `json:"card_number"`
	Certificate []byte    `json:"certificate"`
	AdminKey    []byte    `json:"admin_key"`
	PIN         string    `json:"pin"`
	NotAfter    time.Time `json:"not_after"`
}
