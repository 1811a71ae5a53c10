package app

import (
	"context"
	"testing"
)

// Two engines started with --reuseport listen on the same port; without
// it the second is refused as the port is taken.
func TestReusePortSharesOnePort(t *testing.T) {
	ctx := context.Background()
	a, err := listenTCP(ctx, "127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := listenTCP(ctx, a.Addr().String(), true)
	if err != nil {
		t.Fatalf("a second --reuseport listener on %s: %v", a.Addr(), err)
	}
	defer b.Close()
	if c, err := listenTCP(ctx, a.Addr().String(), false); err == nil {
		c.Close()
		t.Fatalf("a listener without --reuseport shared %s", a.Addr())
	}
}
