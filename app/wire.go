package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"enrolldesk/app/syncer"
	"enrolldesk/core"
)

// isLoopbackHost reports whether host (a name or an address, no port) is
// this machine: localhost or a loopback address.
func isLoopbackHost(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isLoopbackAddr reports whether a listen address host:port binds only to
// loopback. An empty host (":8780") listens everywhere.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && isLoopbackHost(host)
}

// checkEngineURL refuses an engine URL a kiosk must not talk to: anything
// but http and https, and plain http to anything but this machine — the
// applications carry ID numbers and the network between hall and bureau
// is not the kiosk's.
func checkEngineURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return core.Errorf(core.EINVALID, "engine URL %q is not an http(s)://host:port address", raw)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return core.Errorf(core.EINVALID, "engine URL %s is plain http to another machine: applications would cross the network unencrypted. "+
			"Use https://%s (the engine with --tls-cert/--tls-key; for a pilot, `enrolldesk engine cert --out DIR` makes a pair and the kiosk trusts it with --engine-ca DIR/cert.pem)",
			raw, u.Host)
	}
	return nil
}

// engineHTTPClient is the kiosk's HTTP client for its engine, trusting
// the certificate authority in caFile besides the system's when given
// (a pilot's self-signed engine certificate).
func engineHTTPClient(caFile string) (*http.Client, error) {
	c := syncer.NewHTTPClient(syncer.DefaultTimeout)
	if caFile == "" {
		return c, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "--engine-ca: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, core.Errorf(core.EINVALID, "--engine-ca %s holds no PEM certificate", caFile)
	}
	t := c.Transport.(*http.Transport)
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return c, nil
}

// enrollmentHelp says what a kiosk needs to enrol.
func enrollmentHelp(engine string) string {
	return fmt.Sprintf("give --enroll CODE/FINGERPRINT for %s: both are printed by `enrolldesk engine device add` on the engine", engine)
}
