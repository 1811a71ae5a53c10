// Package staffclient is the staff desktop's Backend (ui/staff) over the
// engine's staff HTTP API: JSON bodies decoded strictly, a session token
// as Authorization: Bearer, and every refusal turned into the engine's
// plain words (a *staff.Refusal carrying its reason code).
package staffclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

// Client speaks to one engine. It is safe for concurrent use.
type Client struct {
	base string
	hc   *http.Client

	mu    sync.Mutex
	token string
}

var _ staff.Backend = (*Client)(nil)

// New is a client of the engine at base (http:// or https://). hc nil
// takes a client with a 30-second timeout.
func New(base string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, core.Errorf(core.EINVALID, "引擎地址“%s”不对：请给出 http://主机:端口 或 https://主机:端口。", base)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: u.String(), hc: hc}, nil
}

// Token is the session token (after Login), "" when signed out.
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// CloseIdleConnections closes the connections kept alive for the next
// request (an engine shutting down waits for a connection that was
// opened but never used).
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// unreachable words a network failure for staff.
func unreachable(base string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("引擎（%s）没有及时回答：请稍后再试；一直这样请联系技术支持。", base)
	}
	return fmt.Errorf("连不上引擎（%s）：请检查网络，稍后再试；一直这样请联系技术支持。", base)
}

// post sends in to path and decodes the answer into out.
func (c *Client) post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("staffclient: encode %s: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("staffclient: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if t := c.Token(); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return unreachable(c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, engineapi.MaxBodyBytes+1))
	if err != nil {
		return unreachable(c.base, err)
	}
	if len(data) > engineapi.MaxBodyBytes {
		return fmt.Errorf("引擎的回答太大（超过 %d 字节），没有读取：请联系技术支持。", engineapi.MaxBodyBytes)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			return &staff.Refusal{Status: resp.StatusCode, Reason: engineapi.ReasonNotFound,
				Message: fmt.Sprintf("这台引擎没有这项功能（%s）：引擎的版本可能较旧，请联系技术支持升级。", path)}
		}
		return fmt.Errorf("%s 不像是报名引擎（回答的不是 JSON，HTTP %d）：请检查引擎地址。", c.base, resp.StatusCode)
	}
	if resp.StatusCode/100 != 2 {
		var e engineapi.Error
		if err := json.Unmarshal(data, &e); err != nil || e.Message == "" {
			return &staff.Refusal{Status: resp.StatusCode, Reason: "",
				Message: fmt.Sprintf("引擎拒绝了这个请求（HTTP %d），没有说明原因：请稍后再试。", resp.StatusCode)}
		}
		r := &staff.Refusal{Status: resp.StatusCode, Reason: e.Reason, Message: e.Message}
		if e.Reason == engineapi.ReasonNotFound && e.Message == "no such path" { // an engine older than this desk
			r.Message = fmt.Sprintf("这台引擎没有这项功能（%s）：引擎的版本可能较旧，请联系技术支持升级。", path)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			r.RetryAfter = time.Duration(s) * time.Second
		}
		if r.Reason == engineapi.ReasonNoSession {
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
		}
		return r
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("引擎的回答看不懂（%s: %v）：桌面和引擎的版本可能不一致，请联系技术支持。", path, err)
	}
	if dec.More() {
		return fmt.Errorf("引擎的回答看不懂（%s 之后还有多余内容）：请联系技术支持。", path)
	}
	return nil
}

// wrong says the engine answered something that does not fit the question.
func wrong(path, what string) error {
	return fmt.Errorf("引擎的回答不对（%s：%s）：请刷新重试；一直这样请联系技术支持。", path, what)
}

// Login signs in and keeps the session token.
func (c *Client) Login(ctx context.Context, req engineapi.LoginRequest) (engineapi.LoginResponse, error) {
	var out engineapi.LoginResponse
	if err := c.post(ctx, engineapi.PathStaffLogin, req, &out); err != nil {
		return out, err
	}
	if out.Token == "" || !out.Actor.Role.Valid() || out.Actor.ID == "" {
		return engineapi.LoginResponse{}, wrong(engineapi.PathStaffLogin, "没有会话或角色")
	}
	c.mu.Lock()
	c.token = out.Token
	c.mu.Unlock()
	return out, nil
}

// Logout ends the session (the token is forgotten even if the engine
// cannot be reached).
func (c *Client) Logout(ctx context.Context) error {
	var out struct{}
	err := c.post(ctx, engineapi.PathStaffLogout, struct{}{}, &out)
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
	if staffRefusal(err, engineapi.ReasonNoSession) {
		return nil
	}
	return err
}

func staffRefusal(err error, reason string) bool {
	var r *staff.Refusal
	return errors.As(err, &r) && r.Reason == reason
}

// Me is who the session belongs to.
func (c *Client) Me(ctx context.Context) (engineapi.Actor, error) {
	return call[engineapi.Actor](ctx, c, engineapi.PathStaffMe, struct{}{})
}

// Queue is one page of the review queue.
func (c *Client) Queue(ctx context.Context, f engineapi.QueueFilter) (engineapi.QueuePage, error) {
	var out engineapi.QueuePage
	if err := c.post(ctx, engineapi.PathReviewQueue, f, &out); err != nil {
		return out, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = engineapi.DefaultQueueLimit
	}
	if len(out.Items) > limit || out.Total < len(out.Items) {
		return engineapi.QueuePage{}, wrong(engineapi.PathReviewQueue, fmt.Sprintf("%d 条，最多应为 %d 条", len(out.Items), limit))
	}
	return out, nil
}

// Open is one application opened for review.
func (c *Client) Open(ctx context.Context, appID string) (engineapi.Detail, error) {
	var out engineapi.Detail
	if err := c.post(ctx, engineapi.PathReviewOpen, engineapi.AppRef{AppID: appID}, &out); err != nil {
		return out, err
	}
	if out.App.ID != appID {
		return engineapi.Detail{}, wrong(engineapi.PathReviewOpen, "回答的是另一份申请")
	}
	return out, nil
}

func (c *Client) decide(ctx context.Context, path string, req engineapi.DecideRequest) (engineapi.StatusChange, error) {
	var out engineapi.StatusChange
	if err := c.post(ctx, path, req, &out); err != nil {
		return out, err
	}
	if out.AppID != req.AppID || out.State == "" {
		return engineapi.StatusChange{}, wrong(path, "回答的是另一份申请")
	}
	return out, nil
}

// Approve approves an application.
func (c *Client) Approve(ctx context.Context, req engineapi.DecideRequest) (engineapi.StatusChange, error) {
	return c.decide(ctx, engineapi.PathReviewApprove, req)
}

// Return returns an application to the family with a library reason.
func (c *Client) Return(ctx context.Context, req engineapi.DecideRequest) (engineapi.StatusChange, error) {
	return c.decide(ctx, engineapi.PathReviewReturn, req)
}

// Reject refuses an application with a reason.
func (c *Client) Reject(ctx context.Context, req engineapi.DecideRequest) (engineapi.StatusChange, error) {
	return c.decide(ctx, engineapi.PathReviewReject, req)
}

// BulkApprove approves the verified applications a filter matches.
func (c *Client) BulkApprove(ctx context.Context, f engineapi.QueueFilter) (engineapi.BulkResult, error) {
	return call[engineapi.BulkResult](ctx, c, engineapi.PathReviewBulkApprove, f)
}

// BulkVerify marks the pending evidence of the applications a filter
// matches verified.
func (c *Client) BulkVerify(ctx context.Context, f engineapi.QueueFilter) (engineapi.BulkResult, error) {
	return call[engineapi.BulkResult](ctx, c, engineapi.PathReviewBulkVerify, f)
}

// Duplicates lists the duplicate sets the caller may see.
func (c *Client) Duplicates(ctx context.Context, req engineapi.DuplicatesRequest) (engineapi.DuplicateList, error) {
	return call[engineapi.DuplicateList](ctx, c, engineapi.PathReviewDuplicates, req)
}

// Resolve resolves a duplicate set.
func (c *Client) Resolve(ctx context.Context, req engineapi.ResolveRequest) (engineapi.DuplicateSet, error) {
	var out engineapi.DuplicateSet
	if err := c.post(ctx, engineapi.PathReviewResolve, req, &out); err != nil {
		return out, err
	}
	if out.ID != req.SetID {
		return engineapi.DuplicateSet{}, wrong(engineapi.PathReviewResolve, "回答的是另一组重复")
	}
	return out, nil
}

// Assign gives an application to a reviewer.
func (c *Client) Assign(ctx context.Context, req engineapi.AssignRequest) (engineapi.Assignment, error) {
	return call[engineapi.Assignment](ctx, c, engineapi.PathReviewAssign, req)
}

// Reviewers lists whom applications may be assigned to.
func (c *Client) Reviewers(ctx context.Context) (engineapi.ReviewerList, error) {
	return call[engineapi.ReviewerList](ctx, c, engineapi.PathReviewReviewers, struct{}{})
}

// SaveNote adds or edits an internal note.
func (c *Client) SaveNote(ctx context.Context, req engineapi.NoteRequest) (engineapi.Note, error) {
	return call[engineapi.Note](ctx, c, engineapi.PathReviewNotes, req)
}

// SetEvidence sets the reviewer's status of one source.
func (c *Client) SetEvidence(ctx context.Context, req engineapi.EvidenceRequest) (engineapi.EvidenceItem, error) {
	return call[engineapi.EvidenceItem](ctx, c, engineapi.PathReviewEvidence, req)
}

// Filters lists, saves or deletes saved filters.
func (c *Client) Filters(ctx context.Context, req engineapi.FilterRequest) (engineapi.FilterList, error) {
	return call[engineapi.FilterList](ctx, c, engineapi.PathReviewFilters, req)
}

// Reasons lists the reason library.
func (c *Client) Reasons(ctx context.Context, req engineapi.ReasonsRequest) (engineapi.ReasonList, error) {
	return call[engineapi.ReasonList](ctx, c, engineapi.PathReviewReasons, req)
}

// Conflicts lists second applications and refused items.
func (c *Client) Conflicts(ctx context.Context) (engineapi.ConflictList, error) {
	return call[engineapi.ConflictList](ctx, c, engineapi.PathReviewConflicts, struct{}{})
}

// HeatMap is the demand of every school of a stage ("" both).
func (c *Client) HeatMap(ctx context.Context, stage core.Stage) (engineapi.HeatMap, error) {
	var out engineapi.HeatMap
	if err := c.post(ctx, engineapi.PathStaffHeatMap, engineapi.HeatMapRequest{Stage: stage}, &out); err != nil {
		return out, err
	}
	for _, s := range out.Schools {
		if len(s.PerTier) != len(out.Tiers) {
			return engineapi.HeatMap{}, wrong(engineapi.PathStaffHeatMap, "学校的类别数与类别表不一致")
		}
	}
	return out, nil
}

// WalkInLookup looks a walk-in family up.
func (c *Client) WalkInLookup(ctx context.Context, req engineapi.WalkInLookupRequest) (engineapi.WalkInLookupResponse, error) {
	return call[engineapi.WalkInLookupResponse](ctx, c, engineapi.PathStaffWalkInLookup, req)
}

// WalkInSubmit submits a walk-in application.
func (c *Client) WalkInSubmit(ctx context.Context, req engineapi.WalkInSubmitRequest) (engineapi.WalkInSubmitResponse, error) {
	return call[engineapi.WalkInSubmitResponse](ctx, c, engineapi.PathStaffWalkInSubmit, req)
}

// Find finds an application by token, ID number or registration number.
func (c *Client) Find(ctx context.Context, req engineapi.FindRequest) (engineapi.FindResponse, error) {
	return call[engineapi.FindResponse](ctx, c, engineapi.PathStaffFind, req)
}

// Reprint asks for a receipt to print again.
func (c *Client) Reprint(ctx context.Context, req engineapi.ReprintRequest) (engineapi.ReprintResponse, error) {
	return call[engineapi.ReprintResponse](ctx, c, engineapi.PathStaffReprint, req)
}

// call posts req to path and decodes the engine's answer into a T.
func call[T any](ctx context.Context, c *Client, path string, req any) (T, error) {
	var out T
	err := c.post(ctx, path, req, &out)
	return out, err
}
