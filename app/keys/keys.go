// Package keys keeps the kiosk's Ed25519 signing key in its data directory
// and reads the public keys a verifier trusts.
//
// Layout of a key directory:
//
//	kiosk.key       PEM "PRIVATE KEY" (PKCS #8), mode 0600, never leaves the kiosk
//	kiosk.pub       PEM "PUBLIC KEY" (PKIX), handed to the engine and to verifiers
//	trusted/*.pub   public keys of other kiosks this machine accepts receipts from
package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"enrolldesk/core/receipt"
)

// File names inside a key directory.
const (
	PrivateFile = "kiosk.key"
	PublicFile  = "kiosk.pub"
	TrustedDir  = "trusted"
)

// ErrInsecureKey is wrapped by LoadOrCreate when the private key file can be
// read by the group or by others.
var ErrInsecureKey = errors.New("private key file is readable by group or others")

// LoadOrCreate returns the kiosk's private key from dir, creating dir (mode
// 0700) and a new key (mode 0600) on first use. It refuses a key file that
// the group or others may read, and (re)writes kiosk.pub when it is missing
// or does not match the key.
func LoadOrCreate(dir string) (ed25519.PrivateKey, error) {
	return LoadOrCreateNamed(dir, PrivateFile, PublicFile)
}

// Files of the engine's own key (issue 10), beside its database: it signs
// every answer the engine gives, and kiosks pin its public key.
const (
	EnginePrivateFile = "engine.key"
	EnginePublicFile  = "engine.pub"
)

// LoadOrCreateNamed is LoadOrCreate with other file names, for the
// engine's key.
func LoadOrCreateNamed(dir, privateFile, publicFile string) (ed25519.PrivateKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keys: create %s: %w", dir, err)
	}
	path := filepath.Join(dir, privateFile)
	priv, err := readPrivate(path)
	if errors.Is(err, fs.ErrNotExist) {
		priv, err = create(path)
	}
	if err != nil {
		return nil, err
	}
	if err := ensurePublic(filepath.Join(dir, publicFile), priv.Public().(ed25519.PublicKey)); err != nil {
		return nil, err
	}
	return priv, nil
}

func readPrivate(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("keys: %s has mode %04o; run `chmod 600 %s`: %w", path, perm, path, ErrInsecureKey)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	priv, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("keys: %s: %w", path, err)
	}
	return priv, nil
}

// create makes a new key and links it into place only if no other process
// got there first; the loser reads the winner's key.
func create(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: generate: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("keys: encode private key: %w", err)
	}
	tmp, err := writeTemp(filepath.Dir(path), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return readPrivate(path)
	} else if err != nil {
		return nil, fmt.Errorf("keys: install %s: %w", path, err)
	}
	return priv, nil
}

// writeTemp writes data to a new 0600 file in dir, synced to disk.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-key-*")
	if err != nil {
		return "", fmt.Errorf("keys: %w", err)
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("keys: write %s: %w", name, err)
	}
	return name, nil
}

func ensurePublic(path string, pub ed25519.PublicKey) error {
	if data, err := os.ReadFile(path); err == nil {
		if have, err := ParsePublicKey(data); err == nil && have.Equal(pub) {
			return nil
		}
	}
	data, err := EncodePublicKey(pub)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(filepath.Dir(path), data)
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keys: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keys: install %s: %w", path, err)
	}
	return nil
}

// LoadKeyRing returns the keys a verifier on this machine trusts: dir's own
// kiosk.pub (when present) and every *.pub file in dir/trusted. A directory
// that yields no key at all is an error, so a verifier never silently
// trusts nobody.
func LoadKeyRing(dir string) (receipt.KeyRing, error) {
	files, err := filepath.Glob(filepath.Join(dir, TrustedDir, "*.pub"))
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	sort.Strings(files)
	own := filepath.Join(dir, PublicFile)
	if _, err := os.Stat(own); err == nil {
		files = append([]string{own}, files...)
	}
	ring := receipt.KeyRing{}
	for _, f := range files {
		if err := addFile(ring, f); err != nil {
			return nil, err
		}
	}
	if len(ring) == 0 {
		return nil, fmt.Errorf("keys: no public keys in %s (looked for %s and %s/*.pub)", dir, PublicFile, TrustedDir)
	}
	return ring, nil
}

func addFile(ring receipt.KeyRing, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return fmt.Errorf("keys: %s: %w", path, err)
	}
	if _, err := ring.Add(pub); err != nil {
		return fmt.Errorf("keys: %s: %w", path, err)
	}
	return nil
}

// EncodePublicKey returns pub as a PEM "PUBLIC KEY" block (PKIX), the form
// of kiosk.pub and of trusted/*.pub.
func EncodePublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("keys: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey reads an Ed25519 key from a PEM "PUBLIC KEY" block.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	der, err := pemBytes(data, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, want Ed25519", key)
	}
	return pub, nil
}

// ParsePrivateKey reads an Ed25519 key from a PEM "PRIVATE KEY" block
// (PKCS #8).
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	der, err := pemBytes(data, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want Ed25519", key)
	}
	return priv, nil
}

func pemBytes(data []byte, typ string) ([]byte, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM block (want %q)", typ)
	}
	if block.Type != typ {
		return nil, fmt.Errorf("PEM block is %q, want %q", block.Type, typ)
	}
	if _, ok := block.Headers["Proc-Type"]; ok {
		return nil, fmt.Errorf("encrypted PEM keys are not supported")
	}
	return block.Bytes, nil
}
