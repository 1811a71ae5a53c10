package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"enrolldesk/app/policyfile"
	"enrolldesk/core"
)

// LookupJSON is the command line's answer for one look-up: the decision,
// its reasons and evidence, and the auto-filled application with IDs masked.
type LookupJSON struct {
	Eligible     bool                 `json:"eligible"`
	Category     string               `json:"category"`
	CategoryName string               `json:"category_name"`
	Priority     int                  `json:"priority"`
	NeedsReview  bool                 `json:"needs_review"`
	Zone         string               `json:"zone,omitempty"`
	Schools      []SchoolJSON         `json:"schools"`
	Problems     []core.Problem       `json:"problems"`
	Evidence     []core.Evidence      `json:"evidence"`
	Application  core.ApplicationView `json:"application"`
	Error        *ErrorJSON           `json:"error,omitempty"`
}

// SchoolJSON is a catchment school in look-up output.
type SchoolJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
}

// ErrorJSON is a refused request in batch output.
type ErrorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func lookupJSON(res *core.LookupResult) LookupJSON {
	d := res.Decision
	out := LookupJSON{Eligible: d.Eligible, Category: d.Category, CategoryName: d.CategoryName, Priority: d.Priority,
		NeedsReview: d.NeedsReview, Schools: []SchoolJSON{}, Problems: d.Problems, Evidence: d.Evidence,
		Application: res.Application.View()}
	if out.Problems == nil {
		out.Problems = []core.Problem{}
	}
	if d.Zone != nil {
		out.Zone = d.Zone.Name
	}
	for _, s := range d.Schools() {
		out.Schools = append(out.Schools, SchoolJSON{Code: s.Code, Name: s.Name, Capacity: s.Capacity})
	}
	return out
}

func runLookup(stdio IO, args []string) int {
	fs := newFlags("lookup", stdio.Err)
	path := fs.String("db", "", "demo-city SQLite file")
	guardian := fs.String("guardian", "", "the guardian's resident ID number")
	child := fs.String("child", "", "the child's resident ID number")
	stageFlag := fs.String("stage", "primary", "primary or junior")
	asJSON := fs.Bool("json", false, "print JSON")
	batch := fs.Bool("batch", false, "read JSON lines {guardian, child, stage} on stdin, write one JSON result a line")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	db, err := openCity(*path)
	if err != nil {
		return fail(stdio.Err, ExitUsage, "%s", core.ErrorMessage(err))
	}
	defer db.Close()
	policy, err := policyfile.Default()
	if err != nil {
		return fail(stdio.Err, ExitFail, "%v", err)
	}
	reg := &core.Registrar{Sources: core.SourcesOf(db.City()), Policy: policy}
	if *batch {
		return lookupBatch(stdio, reg)
	}
	stage, err := core.ParseStage(*stageFlag)
	if err != nil {
		return fail(stdio.Err, ExitUsage, "%s", core.ErrorMessage(err))
	}
	res, err := reg.Lookup(context.Background(), *guardian, *child, stage)
	if err != nil {
		if core.IsInvalid(err) {
			return fail(stdio.Err, ExitUsage, "%s", core.ErrorMessage(err))
		}
		return fail(stdio.Err, ExitFail, "look-up failed: %v", err)
	}
	if *asJSON {
		return writeJSON(stdio, lookupJSON(res), "  ")
	}
	printLookup(stdio.Out, res)
	return ExitOK
}

func writeJSON(stdio IO, v any, indent string) int {
	enc := json.NewEncoder(stdio.Out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return fail(stdio.Err, ExitFail, "write: %v", err)
	}
	return ExitOK
}

type batchRequest struct {
	Guardian string `json:"guardian"`
	Child    string `json:"child"`
	Stage    string `json:"stage"`
}

// lookupBatch answers one JSON line per request line. A bad line gets an
// error object on its own line; the batch goes on.
func lookupBatch(stdio IO, reg *core.Registrar) int {
	sc := bufio.NewScanner(stdio.In)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	w := bufio.NewWriter(stdio.Out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	ctx := context.Background()
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if err := enc.Encode(batchOne(ctx, reg, line)); err != nil {
			return fail(stdio.Err, ExitFail, "write: %v", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fail(stdio.Err, ExitFail, "read: %v", err)
	}
	return ExitOK
}

func batchOne(ctx context.Context, reg *core.Registrar, line string) LookupJSON {
	var req batchRequest
	if err := json.Unmarshal([]byte(line), &req); err != nil {
		return LookupJSON{Error: &ErrorJSON{Code: core.EINVALID, Message: "not a JSON object with guardian, child, stage"}}
	}
	stage, err := core.ParseStage(req.Stage)
	if err == nil {
		var res *core.LookupResult
		if res, err = reg.Lookup(ctx, req.Guardian, req.Child, stage); err == nil {
			return lookupJSON(res)
		}
	}
	return LookupJSON{Error: &ErrorJSON{Code: core.ErrorCode(err), Message: core.ErrorMessage(err)}}
}

// printLookup writes a plain-text summary for a person at a terminal.
func printLookup(w io.Writer, res *core.LookupResult) {
	d, v := res.Decision, res.Application.View()
	verdict := "可以报名"
	if !d.Eligible {
		verdict = "不能在自助机完成报名"
	} else if d.NeedsReview {
		verdict = "可以报名，需人工审核"
	}
	fmt.Fprintf(w, "结论：%s\n", verdict)
	if d.Category != "" {
		fmt.Fprintf(w, "类别：%s（第%d顺位）\n", d.CategoryName, d.Priority)
	}
	fmt.Fprintf(w, "孩子：%s %s  %s\n", v.Child.Name, v.Child.ID, v.Stage.Label())
	for _, g := range v.Guardians {
		fmt.Fprintf(w, "监护人：%s %s %s\n", g.Name, g.ID, g.Relation)
	}
	if v.Address != "" {
		fmt.Fprintf(w, "地址：%s\n", v.Address)
	}
	for i, s := range d.Schools() {
		fmt.Fprintf(w, "学校%d：%s\n", i+1, s.Name)
	}
	for _, p := range d.Problems {
		fmt.Fprintf(w, "问题：%s\n", p.Message)
	}
	for _, e := range d.Evidence {
		fmt.Fprintf(w, "  %s\n", e.Plain())
	}
	fmt.Fprintf(w, "查询时间：%s\n", time.Now().Format("2006-01-02 15:04"))
}
