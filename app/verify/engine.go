package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
)

// Registry is what `verify --engine-db` reads of an engine's database: the
// device registry (every kiosk's key and the engine desk's) and the
// engine's own record of an application.
type Registry interface {
	Devices(ctx context.Context) ([]engineapi.Device, error)
	Application(ctx context.Context, id string) (core.Application, error)
}

// EngineResult is the answer of `verify --engine-db --json`.
type EngineResult struct {
	Check  engineapi.TokenCheck   `json:"check"`
	Record *engineapi.FoundRecord `json:"record,omitempty"` // the engine's record, masked; nil when it holds none
	Note   string                 `json:"note,omitempty"`
}

// RunVerifyEngine checks token against the device registry of an engine
// database, as the staff desk's find does, and prints the engine's record
// (masked) beside what the paper says. Exit 0: the token is genuine;
// exit 1: forged, altered, signed by an unknown or revoked key, or the
// database could not be read (the reason on stderr).
func RunVerifyEngine(ctx context.Context, token string, asJSON bool, reg Registry, stdout, stderr io.Writer) int {
	devices, err := reg.Devices(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "无法读取引擎的设备登记表：%v\n", err)
		return ExitInvalid
	}
	chk, claims := engineapi.CheckToken(token, devices)
	if !chk.Valid {
		fmt.Fprintf(stderr, "回执无效：%s（%s）\n", chk.Message, tokenReason(chk.Reason))
		return ExitInvalid
	}
	out := EngineResult{Check: chk}
	a, err := reg.Application(ctx, claims.AppID)
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		out.Note = "回执真实，但引擎没有这份报名：自助机可能还没有上传，或它是未受理的第二份报名（enrolldesk engine conflicts）。"
	case err != nil:
		fmt.Fprintf(stderr, "无法读取引擎的记录：%v\n", err)
		return ExitInvalid
	default:
		rec := engineapi.FoundRecord{Application: a.View(), Operator: a.Operator, DeviceID: a.KioskID, CreatedAt: a.CreatedAt,
			History: a.History, Compare: engineapi.CompareClaims(claims, a)}
		if a.Phone != "" {
			rec.Phone = core.MaskPhone(a.Phone)
		}
		for _, c := range rec.Compare {
			rec.Differs = rec.Differs || c.Differs
		}
		if rec.Differs {
			out.Note = "回执上的内容与引擎的记录不一致（标 ≠ 的项目）：以引擎的记录为准。"
		}
		out.Record = &rec
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "verify: write JSON: %v\n", err)
			return ExitInvalid
		}
		return ExitOK
	}
	writeEngineLines(stdout, claims, out)
	return ExitOK
}

func tokenReason(code string) string {
	if code == engineapi.ETokenRevokedKey {
		return "revoked key"
	}
	return reason(core.Errorf(code, ""))
}

func writeEngineLines(w io.Writer, c receipt.Claims, r EngineResult) {
	line := func(label, value string) { fmt.Fprintf(w, "%-14s %s\n", label, value) }
	fmt.Fprintln(w, "回执有效（签名与引擎登记的设备相符） valid")
	line("signed_by", r.Check.SignerID+"  "+r.Check.SignerName)
	line("key_id", c.KeyID)
	line("issued", c.Issued.In(time.Local).Format("2006-01-02 15:04:05 -07:00"))
	if r.Record == nil {
		fmt.Fprintln(w, r.Note)
		return
	}
	a := r.Record.Application
	fmt.Fprintln(w, "引擎的记录 engine record:")
	line("state", string(a.State)+"  "+a.State.Label())
	line("category", orNone(a.Category))
	line("child", a.Child.Name+"  "+a.Child.ID)
	line("schools", orNone(strings.Join(a.Schools, "、")))
	if r.Record.Operator != "" {
		line("operator", r.Record.Operator)
	}
	fmt.Fprintln(w, "回执 / 引擎 paper / engine:")
	for _, k := range r.Record.Compare {
		mark := "="
		if k.Differs {
			mark = "≠"
		}
		fmt.Fprintf(w, "  %s %-12s %s / %s", mark, k.Field, orNone(k.Paper), orNone(k.Engine))
		if k.Note != "" {
			fmt.Fprint(w, "  ("+k.Note+")")
		}
		fmt.Fprintln(w)
	}
	if r.Note != "" {
		fmt.Fprintln(w, r.Note)
	}
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
