package app

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"enrolldesk/app/keys"
	"enrolldesk/app/pgstore"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// engineKeyDir is where the engine's signing key lives: keyDir, or the
// directory of its database.
func engineKeyDir(dbPath, keyDir string) string {
	if keyDir != "" {
		return keyDir
	}
	return filepath.Dir(dbPath)
}

// engineFingerprint loads (creating on first use) the engine's signing key
// and returns its fingerprint.
func engineFingerprint(dbPath, keyDir string) (string, error) {
	if keyDir == "" && pgstore.IsURL(dbPath) {
		return "", errKeyDirPG
	}
	k, err := keys.LoadOrCreateNamed(engineKeyDir(dbPath, keyDir), keys.EnginePrivateFile, keys.EnginePublicFile)
	if err != nil {
		return "", fmt.Errorf("the engine's signing key: %w", err)
	}
	return engineapi.Fingerprint(k.Public().(ed25519.PublicKey)), nil
}

// runEngineKey prints the engine's public key and its fingerprint.
func runEngineKey(stdio IO, args []string) int {
	fs := newFlags("engine key", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file (its key lives beside it)")
	keyDir := fs.String("key-dir", "", "directory of the engine's signing key (default: the directory of --db)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	if *path == "" && *keyDir == "" {
		return fail(stdio.Err, ExitUsage, "engine key takes --db PATH (the key lives beside it) or --key-dir DIR")
	}
	if *keyDir == "" && pgstore.IsURL(*path) {
		return fail(stdio.Err, ExitUsage, "engine key: %s", errText(errKeyDirPG))
	}
	k, err := keys.LoadOrCreateNamed(engineKeyDir(*path, *keyDir), keys.EnginePrivateFile, keys.EnginePublicFile)
	if err != nil {
		return fail(stdio.Err, ExitFail, "engine key: %v", err)
	}
	pub := k.Public().(ed25519.PublicKey)
	if *asJSON {
		return writeJSON(stdio, map[string]string{"public_key": base64.RawURLEncoding.EncodeToString(pub),
			"fingerprint": engineapi.Fingerprint(pub)}, "  ")
	}
	fmt.Fprintf(stdio.Out, "fingerprint %s\npublic key  %s\n", engineapi.Fingerprint(pub), base64.RawURLEncoding.EncodeToString(pub))
	return ExitOK
}

// Files `engine cert` writes.
const (
	CertFile = "cert.pem"
	KeyFile  = "key.pem"
)

// runEngineCert writes a self-signed TLS certificate and key for a pilot:
// the engine serves with --tls-cert DIR/cert.pem --tls-key DIR/key.pem and
// each kiosk trusts it with --engine-ca DIR/cert.pem.
func runEngineCert(stdio IO, args []string) int {
	fs := newFlags("engine cert", stdio.Err)
	out := fs.String("out", "", "directory to write cert.pem and key.pem to (created)")
	hosts := fs.String("host", "localhost,127.0.0.1", "comma-separated names and addresses kiosks reach the engine by")
	days := fs.Int("days", 365, "days the certificate is valid")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	if *out == "" || *days <= 0 {
		return fail(stdio.Err, ExitUsage, "engine cert takes --out DIR [--host NAMES] [--days N]")
	}
	if err := writeSelfSigned(*out, strings.Split(*hosts, ","), time.Duration(*days)*24*time.Hour, time.Now()); err != nil {
		return fail(stdio.Err, exitFor(err), "engine cert: %s", errText(err))
	}
	cert, key := filepath.Join(*out, CertFile), filepath.Join(*out, KeyFile)
	fmt.Fprintf(stdio.Out, "%s\n%s\n", cert, key)
	fmt.Fprintf(stdio.Err, "Serve with `enrolldesk engine --tls-cert %s --tls-key %s`; copy %s to each kiosk and start it with --engine-ca FILE. "+
		"A self-signed pair is for a pilot: a real deployment takes a certificate from the bureau's CA.\n", cert, key, cert)
	return ExitOK
}

// writeSelfSigned writes a self-signed ECDSA P-256 certificate for hosts
// and its key (mode 0600) to dir. The certificate is its own authority,
// so a kiosk can trust it as a root.
func writeSelfSigned(dir string, hosts []string, valid time.Duration, now time.Time) error {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "enrolldesk engine (pilot)", Organization: []string{"EnrollDesk"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(valid),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		switch ip := net.ParseIP(h); {
		case h == "":
		case ip != nil:
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		default:
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if len(tmpl.IPAddresses)+len(tmpl.DNSNames) == 0 {
		return core.Errorf(core.EINVALID, "--host names no host: give the names or addresses kiosks reach the engine by")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	tmpl.SerialNumber = serial
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	keyPath := filepath.Join(dir, KeyFile)
	if _, err := os.Stat(keyPath); err == nil {
		return core.Errorf(core.EINVALID, "%s exists: remove it (and %s) or choose another --out, so a working pair is never overwritten", keyPath, CertFile)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
