package engineapi

import (
	"time"

	"enrolldesk/core"
)

// AppSubject names an application in an audit entry: its ID and the
// child's masked ID number.
func AppSubject(appID string, child core.ResidentID) string {
	if child == "" {
		return "app:" + appID
	}
	return "app:" + appID + " child:" + child.Masked()
}

// IngestEvent is the audit entry of one pushed item, with its outcome.
// child is the child the item is about: the stored application's, else
// the kiosk's claim's, else the decided application's.
func IngestEvent(deviceID string, it Intake, stored core.ResidentID, res ItemResult, now time.Time) AuditEvent {
	child := stored
	if child == "" {
		child = it.Claim.Child.ID
	}
	if child == "" {
		child = it.App.Child.ID
	}
	ev := AuditEvent{Actor: "device:" + deviceID, At: now, Action: "ingest", Subject: AppSubject(res.ID, child),
		Reason: res.Reason, Detail: res.Outcome}
	if res.Outcome == ItemAccepted || res.Outcome == ItemDuplicate {
		ev.After = string(res.State)
	}
	return ev
}

// StateEvent is the audit entry of a state change by SetState or Return:
// the actor is the one the application's last history step names.
func StateEvent(a *core.Application, before core.State, reason string, now time.Time) AuditEvent {
	actor := "engine"
	if n := len(a.History); n > 0 && a.History[n-1].Actor != "" {
		actor = a.History[n-1].Actor
	}
	return AuditEvent{Actor: actor, At: now, Action: "state", Subject: AppSubject(a.ID, a.Child.ID),
		Before: string(before), After: string(a.State), Reason: reason}
}
