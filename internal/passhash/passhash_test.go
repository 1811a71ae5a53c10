package passhash

import (
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	h, err := New("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	s := h.String()
	if !strings.HasPrefix(s, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored form %q", s)
	}
	if strings.Contains(s, "correct horse") {
		t.Fatal("the secret is in the stored form")
	}
	for secret, want := range map[string]bool{"correct horse": true, "correct horsE": false, "": false} {
		ok, err := Verify(s, secret)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", secret, ok, err, want)
		}
	}
	h2, _ := New("correct horse")
	if h2.String() == s {
		t.Error("two hashes of one secret are equal: the salt is not random")
	}
}

func TestParseRefusesDamage(t *testing.T) {
	for _, s := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
		if (Hash{}).Matches("") {
			t.Error("the zero hash matched")
		}
	}
}
