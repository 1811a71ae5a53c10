package keys_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/keys"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestLoadOrCreate(t *testing.T) {
	t.Run("CreatesPrivateFiles", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "keys")
		priv, err := keys.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := mode(t, dir); got != 0o700 {
			t.Errorf("dir mode %04o, want 0700", got)
		}
		if got := mode(t, filepath.Join(dir, keys.PrivateFile)); got != 0o600 {
			t.Errorf("key mode %04o, want 0600", got)
		}
		data, err := os.ReadFile(filepath.Join(dir, keys.PrivateFile))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----") {
			t.Errorf("key file starts %q", data[:20])
		}
		pubPEM, err := os.ReadFile(filepath.Join(dir, keys.PublicFile))
		if err != nil {
			t.Fatal(err)
		}
		pub, err := keys.ParsePublicKey(pubPEM)
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Equal(priv.Public()) {
			t.Error("kiosk.pub does not match kiosk.key")
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
		if len(leftovers) != 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	})
	t.Run("LoadsSameKey", func(t *testing.T) {
		dir := t.TempDir()
		a, err := keys.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := keys.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Equal(b) {
			t.Fatal("second load returned a different key")
		}
	})
	t.Run("RewritesMissingPublicKey", func(t *testing.T) {
		dir := t.TempDir()
		priv, err := keys.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, keys.PublicFile), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := keys.LoadOrCreate(dir); err != nil {
			t.Fatal(err)
		}
		ring, err := keys.LoadKeyRing(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ring[receipt.KeyID(priv.Public().(ed25519.PublicKey))]; !ok {
			t.Fatal("rewritten kiosk.pub is not the key's")
		}
	})
	t.Run("ConcurrentFirstUse", func(t *testing.T) {
		dir := t.TempDir()
		var wg sync.WaitGroup
		got := make([]ed25519.PrivateKey, 8)
		errs := make([]error, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = keys.LoadOrCreate(dir)
			}()
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if !got[i].Equal(got[0]) {
				t.Fatal("two processes ended up with different keys")
			}
		}
	})
}

func TestLoadOrCreateRefuses(t *testing.T) {
	for _, perm := range []os.FileMode{0o640, 0o604, 0o644, 0o666} {
		t.Run(perm.String(), func(t *testing.T) {
			dir := t.TempDir()
			if _, err := keys.LoadOrCreate(dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, keys.PrivateFile)
			if err := os.Chmod(path, perm); err != nil {
				t.Fatal(err)
			}
			_, err := keys.LoadOrCreate(dir)
			if !errors.Is(err, keys.ErrInsecureKey) {
				t.Fatalf("err = %v, want ErrInsecureKey", err)
			}
			if !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
	t.Run("Garbage", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, keys.PrivateFile), []byte("not a key"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := keys.LoadOrCreate(dir); err == nil || !strings.Contains(err.Error(), "PEM") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("PublicKeyInPrivateFile", func(t *testing.T) {
		dir := t.TempDir()
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		data, err := keys.EncodePublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, keys.PrivateFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := keys.LoadOrCreate(dir); err == nil {
			t.Fatal("loaded a public key as the private key")
		}
	})
}

func TestLoadKeyRing(t *testing.T) {
	dir := t.TempDir()
	priv, err := keys.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	data, err := keys.EncodePublicKey(otherPub)
	if err != nil {
		t.Fatal(err)
	}
	trusted := filepath.Join(dir, keys.TrustedDir)
	if err := os.MkdirAll(trusted, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"hall-2.pub": data, "README.txt": []byte("not a key")} {
		if err := os.WriteFile(filepath.Join(trusted, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ring, err := keys.LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ring) != 2 {
		t.Fatalf("ring has %d keys, want 2", len(ring))
	}
	r := receipt.Receipt{RegNo: "JN27P-0000-0001", AppID: "A1", Stage: core.Primary, StatusCode: "submitted", Time: time.Unix(1, 0)}
	for name, k := range map[string]ed25519.PrivateKey{"own": priv, "trusted": otherPriv} {
		tok, err := receipt.Sign(k, r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := receipt.Verify(tok, ring); err != nil {
			t.Errorf("%s key: %v", name, err)
		}
	}

	t.Run("TrustedOnly", func(t *testing.T) {
		staff := t.TempDir()
		if err := os.MkdirAll(filepath.Join(staff, keys.TrustedDir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(staff, keys.TrustedDir, "k.pub"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ring, err := keys.LoadKeyRing(staff)
		if err != nil || len(ring) != 1 {
			t.Fatalf("ring %v, err %v", ring, err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if _, err := keys.LoadKeyRing(t.TempDir()); err == nil {
			t.Fatal("an empty directory gave a ring")
		}
	})
	t.Run("BadTrustedFile", func(t *testing.T) {
		bad := t.TempDir()
		if err := os.MkdirAll(filepath.Join(bad, keys.TrustedDir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, keys.TrustedDir, "x.pub"), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := keys.LoadKeyRing(bad); err == nil || !strings.Contains(err.Error(), "x.pub") {
			t.Fatalf("err = %v, want one naming x.pub", err)
		}
	})
}

func BenchmarkLoadOrCreate(b *testing.B) {
	dir := b.TempDir()
	if _, err := keys.LoadOrCreate(dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := keys.LoadOrCreate(dir); err != nil {
			b.Fatal(err)
		}
	}
}
