package engine

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
)

// WalkInDesk is what the walk-in and find paths need beside the server's
// store and look-up: the store's walk-in capabilities, the desk key that
// signs walk-in receipts and reprints, registered in the device registry
// as DeviceID (engineapi.DeskDeviceID of its key, see
// engineapi.WalkInStore.EnsureDesk), and what happens next, printed on
// every receipt.
type WalkInDesk struct {
	Store    engineapi.WalkInStore
	Key      ed25519.PrivateKey // nil: find works, walk-ins and reprints answer 503 with Closed
	DeviceID string             // "": engineapi.DeskDeviceID of Key
	Notice   core.Notice
	// Closed says why there is no key (unreadable, revoked), for the 503.
	Closed string
}

var (
	walkInRoles = []engineapi.Role{engineapi.RoleHall, engineapi.RoleBureauAdmin}
	findRoles   = []engineapi.Role{engineapi.RoleHall, engineapi.RoleReviewer, engineapi.RoleBureauAdmin, engineapi.RoleSchoolAdmin}
)

// registerWalkIn adds the walk-in desk's staff paths. With no desk the
// paths still check roles, then answer 503.
func (s *Server) registerWalkIn(desk *WalkInDesk) {
	if desk != nil && desk.Store == nil {
		desk = nil
	}
	if desk != nil && len(desk.Key) != ed25519.PrivateKeySize {
		d := *desk
		d.Key = nil
		desk = &d
	}
	if desk != nil && desk.Key != nil && desk.DeviceID == "" {
		d := *desk
		d.DeviceID = engineapi.DeskDeviceID(d.Key.Public().(ed25519.PublicKey))
		desk = &d
	}
	s.walkIn = desk
	s.addStaff(engineapi.PathStaffWalkInLookup, staffRoute{method: http.MethodPost, roles: walkInRoles, handle: s.handleWalkInLookup})
	s.addStaff(engineapi.PathStaffWalkInSubmit, staffRoute{method: http.MethodPost, roles: walkInRoles, handle: s.handleWalkInSubmit})
	s.addStaff(engineapi.PathStaffFind, staffRoute{method: http.MethodPost, roles: findRoles, handle: s.handleFind})
	s.addStaff(engineapi.PathStaffReprint, staffRoute{method: http.MethodPost, roles: findRoles, handle: s.handleReprint})
}

var errNoDesk = refuse(http.StatusServiceUnavailable, engineapi.ReasonNoStaffDesk,
	"这台引擎没有开通工作人员窗口（没有窗口签名密钥或存储不支持）：请用 enrolldesk engine --db ENGINE.db 启动引擎。")

// signing answers 503 when the desk has no key to sign walk-in receipts
// and reprints with; nil when it has.
func (s *Server) signing() *RequestError {
	switch {
	case s.walkIn == nil:
		return errNoDesk
	case s.walkIn.Key == nil:
		why := s.walkIn.Closed
		if why == "" {
			why = "窗口签名密钥不可用"
		}
		return refuse(http.StatusServiceUnavailable, engineapi.ReasonNoStaffDesk,
			"窗口代办和补打暂停："+why+"。查找和核验回执照常可用；请联系管理员处理引擎的窗口密钥。")
	}
	return nil
}

var errNoDataDesk = refuse(http.StatusServiceUnavailable, engineapi.ReasonNoData,
	"这台引擎没有部门数据，不能现场核验：请用 --city 启动引擎，或请家长到自助机报名（待核验）。")

// maskTyped masks an ID number as typed, for audit entries and notes.
func maskTyped(s string) string {
	return core.ResidentID(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))).Masked()
}

// handleWalkInLookup runs the kiosk's look-up for staff: the engine's
// decision with its evidence and the draft, masked.
func (s *Server) handleWalkInLookup(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.WalkInLookupRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	if e := s.signing(); e != nil {
		return nil, e
	}
	if s.lookup == nil {
		return nil, errNoDataDesk
	}
	if e := s.limitLookup(req.actor.Label()); e != nil {
		return nil, e
	}
	req.note(engineapi.AuditEvent{Action: "lookup", Subject: maskTyped(in.Child),
		Detail: fmt.Sprintf("walk-in: guardian %s, stage %s", maskTyped(in.Guardian), clip(string(in.Stage), 20))})
	res, e := s.deskLookup(ctx, in.Guardian, in.Child, in.Stage)
	if e != nil {
		return nil, e
	}
	return engineapi.WalkInLookupResponse{DraftID: core.NewApplicationID(), Decision: res.Decision, Draft: res.Application.View()}, nil
}

func (s *Server) deskLookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, *RequestError) {
	res, err := s.lookup.Lookup(ctx, guardian, child, stage)
	switch {
	case core.IsInvalid(err):
		return nil, refuse(http.StatusBadRequest, core.ErrorCode(err), core.ErrorMessage(err))
	case err != nil:
		return nil, s.internal(ctx, "walk-in lookup", err)
	}
	return res, nil
}

// handleWalkInSubmit stores the application staff completed with the
// parent: looked up and decided by the engine like a kiosk's push, the
// operator recorded on it, and its receipt signed with the desk key.
func (s *Server) handleWalkInSubmit(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.WalkInSubmitRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	if e := s.signing(); e != nil {
		return nil, e
	}
	switch {
	case s.lookup == nil:
		return nil, errNoDataDesk
	case !in.ConsentReadOut:
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonNoConsent,
			"请先向家长宣读个人信息使用说明并取得同意，再勾选“已向家长宣读并取得同意”后提交。")
	case !isUUID(in.DraftID):
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest,
			"缺少草稿编号（draft_id）：请先查询这户家庭，再用查询返回的编号提交。")
	}
	if e := s.limitLookup(req.actor.Label()); e != nil {
		return nil, e
	}
	req.note(engineapi.AuditEvent{Action: "lookup", Subject: maskTyped(in.Child),
		Detail: fmt.Sprintf("walk-in submit: guardian %s, stage %s", maskTyped(in.Guardian), clip(string(in.Stage), 20))})
	res, e := s.deskLookup(ctx, in.Guardian, in.Child, in.Stage)
	if e != nil {
		return nil, e
	}
	choices, e := rankedSchools(res.Decision.Schools(), in.Choices)
	if e != nil {
		return nil, e
	}
	now := s.now()
	draft := res.Application
	draft.ID = in.DraftID
	app, err := core.Submit(core.Submission{Draft: draft, Choices: choices, Phone: in.Phone, Consent: true,
		KioskID: s.walkIn.DeviceID, At: now})
	if err != nil {
		return nil, refuse(http.StatusBadRequest, core.ErrorCode(err), core.ErrorMessage(err))
	}
	app.Operator = engineapi.OperatorOf(req.actor)
	app.History[0].Actor = req.actor.Label()
	it, err := s.decider.Decide(ctx, s.walkIn.DeviceID, app, now)
	if err != nil {
		return nil, s.internal(ctx, "walk-in decide", err)
	}
	if it.Refused != nil {
		return nil, refuse(http.StatusBadRequest, orDefault(it.Refused.Code, engineapi.ReasonBadRequest), it.Refused.Reason)
	}
	if len(it.App.History) > 0 {
		// Received at the desk by this staff member, not by a kiosk.
		it.App.History[0].Actor, it.App.History[0].Reason = req.actor.Label(), "窗口代办，办理人："+req.actor.Name
	}
	results, err := s.store.Ingest(context.WithoutCancel(ctx), s.walkIn.DeviceID, []engineapi.Intake{it}, now)
	if err != nil {
		return nil, s.internal(ctx, "walk-in ingest", err)
	}
	if len(results) != 1 {
		return nil, s.internal(ctx, "walk-in ingest", fmt.Errorf("%d results for one item", len(results)))
	}
	r := results[0]
	switch r.Outcome {
	case engineapi.ItemAccepted, engineapi.ItemDuplicate:
	case engineapi.ItemConflict:
		return nil, refuse(http.StatusConflict, engineapi.ReasonConflict, s.deskConflict(ctx, app, r.Reason))
	default:
		return nil, refuse(http.StatusBadRequest, orDefault(r.Code, engineapi.ReasonBadRequest), r.Reason)
	}
	stored, err := s.store.Application(ctx, app.ID)
	if err != nil {
		return nil, s.internal(ctx, "walk-in read back", err)
	}
	if stored.Child.ID != app.Child.ID {
		// A draft ID reused for another family: never hand out its receipt.
		return nil, refuse(http.StatusConflict, engineapi.ReasonConflict, "这个草稿编号已用于另一份报名：请重新查询后再提交。")
	}
	rc, e := s.deskReceipt(ctx, stored)
	if e != nil {
		return nil, e
	}
	req.note(engineapi.AuditEvent{Action: "walkin", Subject: stored.ID, After: string(stored.State),
		Detail: fmt.Sprintf("reg_no %s, child %s, outcome %s", stored.RegNo, stored.Child.ID.Masked(), r.Outcome)})
	return engineapi.WalkInSubmitResponse{Outcome: r.Outcome, Application: stored.View(), State: stored.State,
		Operator: stored.Operator, Receipt: rc}, nil
}

// deskConflict words a second application for staff at the desk: the
// family already has one; staff find it by its number (the kiosk's words
// send the family to the counter, where they already are).
func (s *Server) deskConflict(ctx context.Context, a core.Application, kioskWords string) string {
	ids, err := s.walkIn.Store.ApplicationIDsByChild(ctx, string(a.Child.ID))
	if err == nil {
		for _, id := range ids {
			if k, err := s.store.Application(ctx, id); err == nil && k.Stage == a.Stage && k.ID != a.ID {
				return fmt.Sprintf("这个孩子已经报过%s（登记号 %s，%s），不能再报一次。请在“查找”里输入这个登记号查看；要改报，先由审核员退回补充。",
					a.Stage.Label(), k.RegNo, k.State.Label())
			}
		}
	}
	return kioskWords
}

// rankedSchools turns the codes staff ranked into the zone's schools.
func rankedSchools(zone []core.School, codes []string) ([]core.School, *RequestError) {
	out := make([]core.School, 0, len(codes))
	for _, c := range codes {
		i := slices.IndexFunc(zone, func(z core.School) bool { return z.Code == c })
		if i < 0 {
			return nil, refuse(http.StatusBadRequest, core.EChoices,
				fmt.Sprintf("学校“%s”不是这户家庭学区内的学校：请按查询结果里的学校排序。", clip(c, 40)))
		}
		out = append(out, zone[i])
	}
	return out, nil
}

// deskReceipt is the receipt of a held application, signed with the desk key.
func (s *Server) deskReceipt(ctx context.Context, a core.Application) (receipt.Receipt, *RequestError) {
	rc := engineapi.DeskReceipt(a, s.walkIn.Notice)
	token, err := receipt.Sign(s.walkIn.Key, rc)
	if err != nil {
		return rc, s.internal(ctx, "sign desk receipt", err)
	}
	rc.Token = token
	return rc, nil
}

// handleFind finds applications by a scanned receipt token, a child's ID
// number or a registration number.
func (s *Server) handleFind(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.FindRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	if s.walkIn == nil {
		return nil, errNoDesk
	}
	q := strings.TrimSpace(in.Query)
	switch {
	case q == "":
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest,
			"请扫描回执上的二维码，或输入孩子的身份证号码或登记号。")
	case strings.HasPrefix(q, receipt.TokenPrefix):
		return s.findByToken(ctx, req, q)
	case looksLikeID(q):
		id, err := core.ParseResidentID(q, s.now())
		if err != nil {
			return nil, refuse(http.StatusBadRequest, core.ErrorCode(err), "孩子的身份证号码："+core.ErrorMessage(err))
		}
		ids, err := s.walkIn.Store.ApplicationIDsByChild(ctx, string(id))
		if err != nil {
			return nil, s.internal(ctx, "find by child", err)
		}
		return s.found(ctx, req, engineapi.FindByChild, id.Masked(), ids)
	}
	regNo := core.NormalRegNo(q)
	sums, err := s.store.Applications(ctx, engineapi.Filter{RegNo: regNo})
	if err != nil {
		return nil, s.internal(ctx, "find by reg no", err)
	}
	ids := make([]string, len(sums))
	for i, sm := range sums {
		ids[i] = sm.AppID
	}
	return s.found(ctx, req, engineapi.FindByRegNo, clip(regNo, 40), ids)
}

// looksLikeID reports whether q is shaped like a resident ID number
// (eighteen characters, digits but the last): a registration number never is.
func looksLikeID(q string) bool {
	q = strings.ReplaceAll(q, " ", "")
	if len(q) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if q[i] < '0' || q[i] > '9' {
			return false
		}
	}
	return true
}

// found answers a find by ID number or registration number: the records a
// staff member may see, each read noted in the audit log.
func (s *Server) found(ctx context.Context, req *staffRequest, by, shown string, ids []string) (any, *RequestError) {
	out := engineapi.FindResponse{By: by, Records: []engineapi.FoundRecord{}}
	hidden := 0
	for _, id := range ids {
		a, err := s.store.Application(ctx, id)
		if err != nil {
			return nil, s.internal(ctx, "find read", err)
		}
		if !seesApplication(req.actor, a) {
			hidden++
			continue
		}
		out.Records = append(out.Records, foundRecord(a))
	}
	req.note(engineapi.AuditEvent{Action: "search", Detail: fmt.Sprintf("find by %s %s: %d found", by, shown, len(out.Records))})
	for _, r := range out.Records {
		req.note(engineapi.AuditEvent{Action: "open", Subject: r.Application.ID})
	}
	switch {
	case len(out.Records) == 0 && hidden > 0:
		return nil, errOtherSchool
	case len(out.Records) == 0 && by == engineapi.FindByChild:
		out.Note = "教育局没有这个孩子的报名。若家长在自助机报过名，请扫描回执二维码或输入登记号；自助机离线时报名可能还在上传。"
	case len(out.Records) == 0:
		out.Note = "没有这个登记号的报名。请核对回执上的登记号（12位数字），或扫描回执二维码、输入孩子的身份证号码。"
	}
	return out, nil
}

var errOtherSchool = refuse(http.StatusForbidden, engineapi.ReasonForbidden,
	"这份报名没有填报您的学校：学校管理员只能查看填报本校的报名。请转给大厅工作人员或教育局。")

// seesApplication reports whether the actor may see a: everyone but a
// school admin sees everything; a school admin sees applications that
// rank their school.
func seesApplication(actor engineapi.Actor, a core.Application) bool {
	if actor.Role != engineapi.RoleSchoolAdmin {
		return true
	}
	for _, c := range a.Choices {
		if actor.SeesSchool(c.Code) {
			return true
		}
	}
	return false
}

func foundRecord(a core.Application) engineapi.FoundRecord {
	r := engineapi.FoundRecord{Application: a.View(), Problems: a.Decision.Problems, Operator: a.Operator,
		DeviceID: a.KioskID, CreatedAt: a.CreatedAt, History: a.History}
	if a.Phone != "" {
		r.Phone = core.MaskPhone(a.Phone)
	}
	if r.History == nil {
		r.History = []core.Transition{}
	}
	return r
}

// findByToken checks a scanned receipt against the registry of device
// keys and shows the engine's record beside what the paper says.
func (s *Server) findByToken(ctx context.Context, req *staffRequest, token string) (any, *RequestError) {
	devices, err := s.store.Devices(ctx)
	if err != nil {
		return nil, s.internal(ctx, "find: read devices", err)
	}
	chk, claims := engineapi.CheckToken(token, devices)
	out := engineapi.FindResponse{By: engineapi.FindByToken, Token: &chk, Records: []engineapi.FoundRecord{}}
	if !chk.Valid {
		req.note(engineapi.AuditEvent{Action: "verify", Reason: chk.Reason, Detail: "receipt refused: " + chk.Reason})
		out.Note = "不能凭这张回执查找：请按回执上印的登记号或孩子的身份证号码查找，核对教育局的记录。"
		return out, nil
	}
	req.note(engineapi.AuditEvent{Action: "search", Detail: fmt.Sprintf("find by token: reg_no %s, key %s (%s)", claims.RegNo, claims.KeyID, chk.SignerID)})
	a, err := s.store.Application(ctx, claims.AppID)
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		out.Note, err = s.missingNote(ctx, claims)
		if err != nil {
			return nil, s.internal(ctx, "find: read conflicts", err)
		}
		return out, nil
	case err != nil:
		return nil, s.internal(ctx, "find by token", err)
	}
	if !seesApplication(req.actor, a) {
		return nil, errOtherSchool
	}
	req.note(engineapi.AuditEvent{Action: "open", Subject: a.ID})
	rec := foundRecord(a)
	rec.Compare = engineapi.CompareClaims(claims, a)
	for _, c := range rec.Compare {
		rec.Differs = rec.Differs || c.Differs
	}
	if rec.Differs {
		out.Note = "回执上的内容与教育局的记录不一致（见标红的项目）：以教育局的记录为准，请向家长说明。"
	}
	out.Records = append(out.Records, rec)
	return out, nil
}

// missingNote explains a genuine receipt the engine holds no record of.
func (s *Server) missingNote(ctx context.Context, c receipt.Claims) (string, error) {
	conflicts, err := s.store.Conflicts(ctx)
	if err != nil {
		return "", err
	}
	for _, k := range conflicts {
		if k.AppID == c.AppID {
			return fmt.Sprintf("这是孩子的第二份报名，教育局没有受理：保留的是登记号 %s 的报名。请按那个登记号查找。", k.KeptRegNo), nil
		}
	}
	return "回执是真的，但教育局还没有收到这份报名：自助机离线时报名在本机排队上传。请稍后再查，或在该自助机的工作人员页面查看同步状态。", nil
}

// handleReprint answers the receipt of a held application to print again,
// with the engine's record as it is now, signed with the desk key.
func (s *Server) handleReprint(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.ReprintRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	if e := s.signing(); e != nil {
		return nil, e
	}
	if strings.TrimSpace(in.AppID) == "" {
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest, "请先查找报名，再补打它的回执。")
	}
	a, err := s.store.Application(ctx, in.AppID)
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		return nil, refuse(http.StatusNotFound, engineapi.ReasonNotFound, "教育局没有这份报名：请重新查找。")
	case err != nil:
		return nil, s.internal(ctx, "reprint read", err)
	}
	if !seesApplication(req.actor, a) {
		return nil, errOtherSchool
	}
	rc, e := s.deskReceipt(ctx, a)
	if e != nil {
		return nil, e
	}
	req.note(engineapi.AuditEvent{Action: "reprint", Subject: a.ID, Detail: "reg_no " + a.RegNo})
	return engineapi.ReprintResponse{Receipt: rc}, nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", r) {
				return false
			}
		}
	}
	return true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
