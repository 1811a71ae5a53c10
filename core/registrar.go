package core

import (
	"context"
	"time"
)

// Registrar runs the data-backed registration of DESIGN.md §1 steps 1–4:
// validate the ID numbers, gather from the sources, cross-check, classify
// and map to the catchment school. It holds no state between calls.
type Registrar struct {
	Sources Sources
	Policy  *Policy
	Now     func() time.Time // injectable clock; time.Now when nil
}

// LookupResult is the outcome of one look-up.
type LookupResult struct {
	Decision    Decision
	Application Application
	Dossier     *Dossier
}

// Lookup checks one guardian and child. Invalid ID numbers come back as
// *Error values whose message names which number is wrong; a failing source
// comes back wrapped; a decision, eligible or not, is a result.
func (r *Registrar) Lookup(ctx context.Context, guardian, child string, stage Stage) (*LookupResult, error) {
	now := r.now()
	gid, cid, err := parsePair(guardian, child, stage, now)
	if err != nil {
		return nil, err
	}
	d, err := Gather(ctx, r.Sources, gid, cid, stage, now, r.Policy.GrandparentsProperty)
	if err != nil {
		return nil, err
	}
	dec := Classify(r.Policy, d)
	return &LookupResult{Decision: dec, Application: Draft(d, dec, now), Dossier: d}, nil
}

func (r *Registrar) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// withSubject prefixes an ID error's message with whose number it is.
func withSubject(err error, who string) error {
	if e, ok := err.(*Error); ok {
		return &Error{Code: e.Code, Message: who + "：" + e.Message}
	}
	return err
}

// parsePair checks what every look-up starts from: the stage, and two
// valid ID numbers that are not the same person's.
func parsePair(guardian, child string, stage Stage, now time.Time) (gid, cid ResidentID, err error) {
	if !stage.Valid() {
		return "", "", Errorf(EINVALID, "请选择报名学段：小学一年级或初中一年级。")
	}
	if gid, err = ParseResidentID(guardian, now); err != nil {
		return "", "", withSubject(err, "监护人")
	}
	if cid, err = ParseResidentID(child, now); err != nil {
		return "", "", withSubject(err, "孩子")
	}
	if gid == cid {
		return "", "", Errorf(EINVALID, "监护人和孩子的身份证号码相同，请分别输入监护人和孩子的号码。")
	}
	return gid, cid, nil
}
