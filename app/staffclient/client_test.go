package staffclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"enrolldesk/app/staffclient"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

// engine answers each path with a fixed status and body.
func engine(t *testing.T, answers map[string]func(w http.ResponseWriter, r *http.Request)) *staffclient.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := answers[r.URL.Path]; ok {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"reason":"not_found","message":"no such path"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := staffclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func json(status int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestLoginKeepsTheTokenAndSendsItAsBearer(t *testing.T) {
	var auth string
	c := engine(t, map[string]func(http.ResponseWriter, *http.Request){
		engineapi.PathStaffLogin: json(200, `{"token":"tok-1","actor":{"id":"SU-1","name":"李审核","role":"reviewer"},"expires":"2027-06-20T10:30:00Z"}`),
		engineapi.PathStaffMe: func(w http.ResponseWriter, r *http.Request) {
			auth = r.Header.Get("Authorization")
			json(401, `{"reason":"no_session","message":"登录已结束：请重新登录。"}`)(w, r)
		},
	})
	resp, err := c.Login(context.Background(), engineapi.LoginRequest{Name: "x", Password: "y"})
	if err != nil || resp.Actor.Role != engineapi.RoleReviewer || c.Token() != "tok-1" {
		t.Fatalf("login: %+v %v, token %q", resp, err, c.Token())
	}
	_, err = c.Me(context.Background())
	var ref *staff.Refusal
	if auth != "Bearer tok-1" || !errors.As(err, &ref) || ref.Reason != engineapi.ReasonNoSession || err.Error() != "登录已结束：请重新登录。" {
		t.Fatalf("me: auth %q, err %v", auth, err)
	}
	if c.Token() != "" {
		t.Error("the ended session's token is still sent")
	}
}

func TestAnswersAreCheckedAndRefusalsPlain(t *testing.T) {
	c := engine(t, map[string]func(http.ResponseWriter, *http.Request){
		engineapi.PathStaffLogin:      json(200, `{"token":"","actor":{"id":"SU-1","role":"reviewer"}}`),
		engineapi.PathReviewOpen:      json(200, `{"app":{"id":"OTHER"}}`),
		engineapi.PathReviewQueue:     json(200, `{"items":[],"total":0,"surprise":1}`),
		engineapi.PathReviewApprove:   json(409, `{"reason":"stale","message":"这份申请已被别人处理：请刷新。"}`),
		engineapi.PathStaffHeatMap:    func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>proxy login</html>")) },
		engineapi.PathReviewConflicts: json(500, `not json`),
	})
	ctx := context.Background()
	if _, err := c.Login(ctx, engineapi.LoginRequest{}); err == nil || c.Token() != "" {
		t.Errorf("a login without a token was taken: %v", err)
	}
	if _, err := c.Open(ctx, "APP-1"); err == nil || !strings.Contains(err.Error(), "另一份申请") {
		t.Errorf("another application's detail: %v", err)
	}
	if _, err := c.Queue(ctx, engineapi.QueueFilter{}); err == nil || !strings.Contains(err.Error(), "看不懂") {
		t.Errorf("an unknown field: %v", err)
	}
	_, err := c.Approve(ctx, engineapi.DecideRequest{AppID: "APP-1"})
	var ref *staff.Refusal
	if !errors.As(err, &ref) || ref.Reason != engineapi.ReasonStale || err.Error() != "这份申请已被别人处理：请刷新。" {
		t.Errorf("a stale decision: %v", err)
	}
	if _, err := c.HeatMap(ctx, ""); err == nil || !strings.Contains(err.Error(), "不像是报名引擎") {
		t.Errorf("a web page for an answer: %v", err)
	}
	if _, err := c.Conflicts(ctx); err == nil || strings.Contains(err.Error(), "not json") {
		t.Errorf("a broken refusal: %v", err)
	}
	if _, err := c.Reviewers(ctx); err == nil || !strings.Contains(err.Error(), "没有这项功能") {
		t.Errorf("a path the engine lacks: %v", err)
	}
	if _, err := staffclient.New("ftp://x", nil); err == nil {
		t.Error("an ftp engine address was taken")
	}
}

func TestUnreachableEngineSaysWhatToDo(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := staffclient.New(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Login(context.Background(), engineapi.LoginRequest{Name: "a", Password: "b"})
	if err == nil || !strings.Contains(err.Error(), "连不上引擎") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestDuplicateAndBulkVerifyPaths(t *testing.T) {
	var verifyBody string
	c := engine(t, map[string]func(http.ResponseWriter, *http.Request){
		engineapi.PathReviewDuplicates: json(200, `{"sets":[{"id":"D1","rule":"same_child","members":[],"resolved":false}]}`),
		engineapi.PathReviewResolve:    json(200, `{"id":"D2","rule":"same_child","members":[],"resolved":true}`),
		engineapi.PathReviewBulkVerify: func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 200)
			n, _ := r.Body.Read(b)
			verifyBody = string(b[:n])
			json(200, `{"count":3,"skipped":1}`)(w, r)
		},
	})
	ctx := context.Background()
	if l, err := c.Duplicates(ctx, engineapi.DuplicatesRequest{}); err != nil || len(l.Sets) != 1 || l.Sets[0].ID != "D1" {
		t.Errorf("duplicates: %+v %v", l, err)
	}
	if _, err := c.Resolve(ctx, engineapi.ResolveRequest{SetID: "D1", Keep: "A"}); err == nil || !strings.Contains(err.Error(), "另一组重复") {
		t.Errorf("a resolve answered with another set: %v", err)
	}
	res, err := c.BulkVerify(ctx, engineapi.QueueFilter{School: "S1"})
	if err != nil || res.Count != 3 || res.Skipped != 1 || !strings.Contains(verifyBody, `"school":"S1"`) {
		t.Errorf("bulk verify: %+v %v, sent %s", res, err, verifyBody)
	}
}
