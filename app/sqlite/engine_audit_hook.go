package sqlite

import (
	"context"
	"database/sql"

	"enrolldesk/core/engineapi"
)

// auditTx appends events to the audit log inside the transaction of the
// change they describe, so a change and its entry commit together (see
// engine_audit.go). Call it only from inside s.write.
func (s *EngineStore) auditTx(ctx context.Context, tx *sql.Tx, events ...engineapi.AuditEvent) error {
	return s.appendAudit(ctx, tx, events)
}
