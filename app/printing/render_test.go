package printing_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"unicode"

	"enrolldesk/app/printing"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/pdftest"
)

// squash drops white space so text wrapped across lines still matches.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func TestReceiptText(t *testing.T) {
	rc := sample()
	path, _ := render(t, rc)
	text := squash(pdftest.Text(t, path))
	for _, want := range []string{"义务教育入学报名回执", rc.RegNo, rc.ChildName, rc.ChildMasked, rc.GuardianName,
		rc.GuardianMasked, "小学一年级", "房户一致", "1.济宁市任城区文昌第二实验小学", "2.文昌小学", "已提交",
		"2027-05-1209:30", "JN-RC-01", "凭此回执可查询报名进度"} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "370811198") {
		t.Error("a full ID number is on the receipt")
	}
}

// TestReceiptSaysWhatHappensNext: with the policy's notice the paper says
// when the result comes, by SMS, where the counter is and the hotline;
// the registration number is printed large.
func TestReceiptSaysWhatHappensNext(t *testing.T) {
	rc := sample()
	rc.RegNo = "4522-4354-0861"
	rc.Next = core.Notice{ResultsDate: "2027-07-20", Counter: "市民中心一楼教育局12号窗口", Hotline: "0537-2968123"}
	path, _ := render(t, rc)
	text := squash(pdftest.Text(t, path))
	for _, want := range []string{"4522-4354-0861", "接下来", "2027年7月20日左右发短信通知", "市民中心一楼教育局12号窗口", "0537-2968123"} {
		if !strings.Contains(text, squash(want)) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	rc.Next = core.Notice{}
	path, _ = render(t, rc)
	if text := squash(pdftest.Text(t, path)); strings.Contains(text, "接下来") {
		t.Errorf("a receipt without a notice promises next steps:\n%s", text)
	}
}

func TestReceiptPage(t *testing.T) {
	r := mustRenderer(t)
	t.Run("WidthAndHeight", func(t *testing.T) {
		rc := sample()
		pdf, err := r.Receipt(rc, "EDR1.test")
		if err != nil {
			t.Fatal(err)
		}
		typical := printing.MediaFor(pdf)
		rc.Schools = []string{"一小", "二小", "三小", "四小", "五小", "六小"}
		pdf, err = r.Receipt(rc, "EDR1.test")
		if err != nil {
			t.Fatal(err)
		}
		long := printing.MediaFor(pdf)
		if !strings.HasPrefix(typical, "Custom.80x") || typical >= long {
			t.Fatalf("media %q for 2 schools, %q for 6: want 80 mm wide, growing with content", typical, long)
		}
	})
	t.Run("Deterministic", func(t *testing.T) {
		a, err := r.Receipt(sample(), "EDR1.same")
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.Receipt(sample(), "EDR1.same")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("the same receipt rendered to different bytes")
		}
		if !bytes.Contains(a, []byte("D:20270512093000")) {
			t.Error("creation date is not the receipt's time")
		}
	})
	t.Run("NonASCIIToken", func(t *testing.T) {
		if _, err := r.Receipt(sample(), "回执"); err == nil {
			t.Fatal("accepted a non-ASCII QR payload")
		}
	})
	t.Run("LongRegNoStaysOnOneLine", func(t *testing.T) {
		rc := sample()
		rc.RegNo = "JN27P-4F7K-9Q2M-EXTRA-LONG-0001"
		path, _ := render(t, rc)
		if text := pdftest.Text(t, path); !strings.Contains(text, rc.RegNo) {
			t.Fatalf("registration number split or missing:\n%s", text)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.Receipt(sample(), "EDR1.concurrent"); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestReceiptQR(t *testing.T) {
	rc := sample()
	path, token := render(t, rc)
	got := pdftest.DecodeQR(t, path)
	if got != token {
		t.Fatalf("QR code reads %q, want the signed token %q", got, token)
	}
	ring := testRing(t)
	c, err := receipt.Verify(got, ring)
	if err != nil {
		t.Fatalf("decoded token does not verify: %v", err)
	}
	if c.RegNo != rc.RegNo || c.ChildMasked != rc.ChildMasked || c.AppID != rc.AppID {
		t.Fatalf("claims %+v do not match the receipt", c)
	}
	for _, i := range []int{len(receipt.TokenPrefix) + 3, len(got) / 2, len(got) - 2} {
		b := []byte(got)
		b[i] ^= 0x01
		if _, err := receipt.Verify(string(b), ring); err == nil {
			t.Errorf("token with byte %d flipped still verifies", i)
		}
	}
}

func TestRareCharacters(t *testing.T) {
	r := mustRenderer(t)
	tests := []struct {
		name      string
		child     string
		guardian  string
		common    []string // must show in the PDF text
		unprinted []rune   // must be reported by Check
	}{
		{"ExtensionA", "王䶮", "王大山", []string{"王", "䶮"}, nil},
		{"BMP", "李喆", "张堃", []string{"李喆", "张堃"}, nil},
		{"ExtensionB", "𠮷田花子", "𠮷田太郎", []string{"田花子", "田太郎", "□"}, []rune{'𠮷'}},
		{"Emoji", "刘星😀", "刘🙂明", []string{"刘星", "明", "□"}, []rune{'😀', '🙂'}},
		{"Control", "赵\x07钱", "孙\u00a0李", []string{"赵", "钱", "孙"}, []rune{'\a'}},
		{"InvalidUTF8", "周\xff吴", "郑王", []string{"周", "吴"}, []rune{unicode.ReplacementChar}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := sample()
			rc.ChildName, rc.GuardianName = tt.child, tt.guardian
			path, _ := render(t, rc) // fails the test on any error; a panic fails it too
			text := pdftest.Text(t, path)
			for _, want := range tt.common {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q:\n%s", want, text)
				}
			}
			got := r.Check(rc)
			for _, u := range tt.unprinted {
				if !strings.ContainsRune(string(got), u) {
					t.Errorf("Check = %q, want it to report %U", string(got), u)
				}
			}
			if tt.unprinted == nil && got != nil {
				t.Errorf("Check = %q, want nothing", string(got))
			}
		})
	}
}

func TestReceiptJunior(t *testing.T) {
	rc := sample()
	rc.Stage, rc.Category, rc.GuardianName, rc.GuardianMasked, rc.KioskID = core.Junior, "", "", "", ""
	rc.Schools, rc.SchoolCodes = []string{"文昌中学"}, []string{"J001"}
	path, _ := render(t, rc)
	text := pdftest.Text(t, path)
	for _, want := range []string{"初中一年级", "文昌中学"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, absent := range []string{"监护人", "类别", "1. 文昌中学", "设备"} {
		if strings.Contains(text, absent) {
			t.Errorf("text has %q for a field that is empty or single", absent)
		}
	}
}

func TestWrapPunctuation(t *testing.T) {
	rc := sample()
	rc.Schools = []string{"济宁市任城区文昌第二实验小学", "济宁市第十五中学附属小学（北校区）"}
	path, _ := render(t, rc)
	for _, l := range strings.Split(pdftest.Text(t, path), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, "（") || strings.HasPrefix(l, "）") {
			t.Errorf("line %q breaks at a bracket", l)
		}
	}
}
