package review

import (
	"regexp"
	"sort"
	"strings"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Placeholders are what a reason's text may carry in braces; the engine
// fills them when the reason is sent, so the SMS reads in full:
//
//	{reg_no}     the registration number on the receipt
//	{child_name} the child's name
//	{school}     the application's school (its first choice)
//	{deadline}   the day by which the family must bring what is asked (due date + 7 days)
//	{counter}    where the help counter is (the policy's notice)
//	{hotline}    the bureau's hotline (the policy's notice)
//	{detail}     a few words the reviewer types (what exactly is missing)
var Placeholders = []string{"reg_no", "child_name", "school", "deadline", "counter", "hotline", "detail"}

// MaxReasonRunes bounds a reason text as written and as sent (two SMS).
const MaxReasonRunes = 140

var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// CheckReason validates a reason before it is saved: kind, ID, title,
// text length and known placeholders.
func CheckReason(r engineapi.ReasonSave) error {
	switch {
	case !validReasonID(r.ID):
		return core.Errorf(core.EINVALID, "原因编号应为 2 到 32 个大写字母、数字或“-”，例如 R-PROPERTY。")
	case r.Kind != engineapi.ReasonKindReturn && r.Kind != engineapi.ReasonKindReject:
		return core.Errorf(core.EINVALID, "原因类别应为 return（退回补充）或 reject（不予通过）。")
	case strings.TrimSpace(r.Title) == "" || len([]rune(r.Title)) > 30:
		return core.Errorf(core.EINVALID, "请写一个 30 字以内的标题，供审核人挑选。")
	case strings.TrimSpace(r.Text) == "":
		return core.Errorf(core.EINVALID, "原因正文不能为空：写明家长要做什么或为什么不予通过。")
	case len([]rune(r.Text)) > MaxReasonRunes:
		return core.Errorf(core.EINVALID, "原因正文最多 %d 字（短信要能带上），现在 %d 字。", MaxReasonRunes, len([]rune(r.Text)))
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(r.Text, -1) {
		if !knownPlaceholder(m[1]) {
			return core.Errorf(core.EINVALID, "占位符“{%s}”不认识；可用：%s。", truncate(m[1], 20), placeholderList())
		}
	}
	return nil
}

func validReasonID(id string) bool {
	if len(id) < 2 || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func knownPlaceholder(p string) bool {
	for _, x := range Placeholders {
		if x == p {
			return true
		}
	}
	return false
}

func placeholderList() string {
	out := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		out[i] = "{" + p + "}"
	}
	return strings.Join(out, " ")
}

// Render fills a reason's placeholders. A placeholder with no value is
// EINVALID naming it (e.g. {detail} the reviewer must type); the result
// is refused when it is longer than an SMS can carry.
func Render(text string, vars map[string]string) (string, error) {
	var missing []string
	out := placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		v := strings.TrimSpace(vars[name])
		if v == "" {
			missing = append(missing, m)
		}
		return v
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return "", core.Errorf(core.EINVALID, "原因里的 %s 还没有填写：请补上后再发送。", strings.Join(missing, "、"))
	}
	if n := len([]rune(out)); n > 2*MaxReasonRunes {
		return "", core.Errorf(core.EINVALID, "填好后的原因有 %d 字，短信带不下（最多 %d 字）：请把补充说明写短一些。", n, 2*MaxReasonRunes)
	}
	return out, nil
}
