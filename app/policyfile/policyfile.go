// Package policyfile reads admission policy files (TOML, one per district
// and entry year) into core.Policy, and refuses a malformed one with the
// file, the line and the reason.
package policyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"enrolldesk/assets"
	"enrolldesk/core"
)

// Error is a policy file that cannot be used: where, and why. Line is 0
// when the problem is a value that is missing altogether.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("policy %s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("policy %s: %s", e.File, e.Reason)
}

// Default returns the demo city's embedded policy.
func Default() (*core.Policy, error) {
	return Load(assets.Policies(), assets.DefaultPolicy)
}

// Load reads and checks the named policy file from fsys.
func Load(fsys fs.FS, name string) (*core.Policy, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(name, data)
}

// Parse decodes and validates a policy file's contents. Unknown keys are
// refused, so a misspelt setting is never silently ignored.
func Parse(name string, data []byte) (*core.Policy, error) {
	var p core.Policy
	md, err := toml.Decode(string(data), &p)
	if err != nil {
		return nil, decodeError(name, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		key := extra[0]
		return nil, &Error{File: name, Line: locate(string(data), keyField(key)), Reason: fmt.Sprintf("unknown key %q", key.String())}
	}
	if err := p.Validate(); err != nil {
		var pe *core.PolicyError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: locate(string(data), pe.Field), Reason: pe.Error()}
		}
		return nil, &Error{File: name, Reason: err.Error()}
	}
	return &p, nil
}

var lineInMessage = regexp.MustCompile(`line (\d+)`)

func decodeError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		reason := pe.Message
		if pe.LastKey != "" && !strings.Contains(reason, pe.LastKey) {
			reason = fmt.Sprintf("%s (at key %q)", reason, pe.LastKey)
		}
		return &Error{File: name, Line: pe.Position.Line, Reason: reason}
	}
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	line := 0
	if m := lineInMessage.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return &Error{File: name, Line: line, Reason: msg}
}

// keyField turns an undecoded TOML key such as category.colour into the
// field form locate understands (the last path element).
func keyField(k toml.Key) string {
	if len(k) == 0 {
		return ""
	}
	return k[len(k)-1]
}

var (
	arrayField = regexp.MustCompile(`^category\[(\d+)\]\.(\w+)$`)
	tableField = regexp.MustCompile(`^(\w+)\.(\w+)$`)
)

// locate finds the line where a field is set: "min_age" at top level, or
// "category[2].requires" inside the second [[category]] table. It returns 0
// when the field is not in the file.
func locate(text, field string) int {
	lines := strings.Split(text, "\n")
	if m := arrayField.FindStringSubmatch(field); m != nil {
		want, _ := strconv.Atoi(m[1])
		seen, header := 0, 0
		for i, l := range lines {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "[[category]]") {
				seen++
				if seen == want {
					header = i + 1
				} else if seen > want {
					break
				}
				continue
			}
			if seen == want && setsKey(t, m[2]) {
				return i + 1
			}
		}
		return header
	}
	if m := tableField.FindStringSubmatch(field); m != nil {
		return locateInTable(lines, m[1], m[2])
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			break
		}
		if setsKey(t, field) {
			return i + 1
		}
	}
	if field == "category" {
		return 0
	}
	for i, l := range lines {
		if setsKey(strings.TrimSpace(l), field) {
			return i + 1
		}
	}
	return 0
}

// locateInTable finds key inside the [table] section ("notice.hotline"),
// or the table's header when the key is missing, or 0 without the table.
func locateInTable(lines []string, table, key string) int {
	header := 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			if header > 0 {
				break
			}
			if t == "["+table+"]" {
				header = i + 1
			}
			continue
		}
		if header > 0 && setsKey(t, key) {
			return i + 1
		}
	}
	return header
}

func setsKey(line, key string) bool {
	rest, ok := strings.CutPrefix(line, key)
	if !ok {
		return false
	}
	rest = strings.TrimSpace(rest)
	return strings.HasPrefix(rest, "=")
}
