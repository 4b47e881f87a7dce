package model

// State is a record's place in its life (X1).
type State string

const (
	StateDraft    State = "draft"    // 暂存
	StateDeclared State = "declared" // 已申报
	StateApproved State = "approved" // 审批通过
	StateReturned State = "returned" // 退单
)

// Label is the state's name as the manual writes it.
func (s State) Label() string {
	switch s {
	case StateDraft:
		return "暂存"
	case StateDeclared:
		return "已申报"
	case StateApproved:
		return "审批通过"
	case StateReturned:
		return "退单"
	}
	return string(s)
}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	switch s {
	case StateDraft, StateDeclared, StateApproved, StateReturned:
		return true
	}
	return false
}

// CanEdit: only drafts and returned records may be changed (暂存).
func (s State) CanEdit() bool { return s == StateDraft || s == StateReturned }

// CanDeclare: drafts and returned records may be declared (申报).
func (s State) CanDeclare() bool { return s == StateDraft || s == StateReturned }

// CanDelete: delete only in draft or returned state (删除); gone for good.
func (s State) CanDelete() bool { return s == StateDraft || s == StateReturned }

// CanPrint: any saved record may be printed (打印).
func (s State) CanPrint() bool { return s.Valid() }

// Role is who a session acts as (SPEC "Who uses it").
type Role string

const (
	RoleNoCardAdmin  Role = "nocard_admin"  // 无卡用户管理员
	RoleLegalCard    Role = "legal_card"    // 企业法人卡
	RoleOperatorCard Role = "operator_card" // 企业操作员卡
	RoleReviewer     Role = "reviewer"      // 制卡代理点 / 审批部门
)

// Label is the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case RoleNoCardAdmin:
		return "无卡用户管理员"
	case RoleLegalCard:
		return "企业法人卡"
	case RoleOperatorCard:
		return "企业操作员卡"
	case RoleReviewer:
		return "审批人员"
	}
	return string(r)
}

// Card reports whether the role logs in with an IC card.
func (r Role) Card() bool { return r == RoleLegalCard || r == RoleOperatorCard }
