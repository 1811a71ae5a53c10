package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"enrolldesk/app/cardreader"
	"enrolldesk/app/demo"
	"enrolldesk/app/keys"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/printing"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
	"enrolldesk/ui"
)

// KioskConfig configures a kiosk. Zero values take the defaults below.
type KioskConfig struct {
	DataDir   string        // key, kiosk database, spool, demo city; default $ENROLLDESK_DATA or ~/.local/share/enrolldesk
	CityDB    string        // department data; default: the demo city, built once into DataDir
	Printer   string        // CUPS queue; "" keeps receipts in the spool for the staff desk
	LP        string        // lp command (tests); default "lp"
	KioskID   string        // default: KIOSK- and the key's ID
	PIN       string        // staff PIN for the maintenance screen
	Idle      time.Duration // default 90 s
	Countdown time.Duration // default 20 s
	Language  string        // zh-Hans (default) or en
	Families  int           // size of a demo city built on first start (default 2000)
	Seed      uint64        // its seed (default 2027)
	Now       func() time.Time
}

// DefaultPIN is the maintenance PIN when none is configured; the kiosk
// prints a warning at start so a hall does not keep it.
const DefaultPIN = "2027"

func (c *KioskConfig) defaults() error {
	if c.DataDir == "" {
		c.DataDir = os.Getenv("ENROLLDESK_DATA")
	}
	if c.DataDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("no data directory: set --data or ENROLLDESK_DATA: %w", err)
		}
		c.DataDir = filepath.Join(home, ".local", "share", "enrolldesk")
	}
	if c.PIN == "" {
		c.PIN = DefaultPIN
	}
	if c.Families == 0 {
		c.Families = 2000
	}
	if c.Seed == 0 {
		c.Seed = 2027
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return os.MkdirAll(c.DataDir, 0o700)
}

// Kiosk is a kiosk's open adapters: the department data, its own store,
// its key and its printer.
type Kiosk struct {
	cfg      KioskConfig
	city     *sqlite.DB
	store    *sqlite.DB
	key      ed25519.PrivateKey
	printer  *printing.ReceiptPrinter
	policy   *core.Policy
	personas []core.Persona
}

// OpenKiosk opens (creating on first start) everything a kiosk needs.
func OpenKiosk(ctx context.Context, cfg KioskConfig) (*Kiosk, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	k := &Kiosk{cfg: cfg}
	if err := k.open(ctx); err != nil {
		return nil, errors.Join(err, k.Close())
	}
	return k, nil
}

func (k *Kiosk) open(ctx context.Context) error {
	var err error
	if k.policy, err = policyfile.Default(); err != nil {
		return err
	}
	if k.key, err = keys.LoadOrCreate(k.cfg.DataDir); err != nil {
		return err
	}
	if k.cfg.KioskID == "" {
		k.cfg.KioskID = "KIOSK-" + receipt.KeyID(k.key.Public().(ed25519.PublicKey))
	}
	if k.city, err = k.openCity(ctx); err != nil {
		return err
	}
	if k.personas, err = k.city.City().Personas(ctx); err != nil {
		return fmt.Errorf("read personas: %w", err)
	}
	if k.store, err = sqlite.Open(filepath.Join(k.cfg.DataDir, "kiosk.db")); err != nil {
		return err
	}
	renderer, err := printing.NewRenderer()
	if err != nil {
		return err
	}
	k.printer = &printing.ReceiptPrinter{Renderer: renderer, Sign: printing.Signer(k.key),
		Spool: &printing.Spooler{Dir: filepath.Join(k.cfg.DataDir, "spool"), Printer: k.cfg.Printer, LP: k.cfg.LP}}
	return nil
}

// openCity opens the configured department data, or the demo city, which
// is generated into the data directory the first time (under a second).
func (k *Kiosk) openCity(ctx context.Context) (*sqlite.DB, error) {
	path := k.cfg.CityDB
	if path == "" {
		path = filepath.Join(k.cfg.DataDir, fmt.Sprintf("demo-city-%d-s%d.db", k.cfg.Families, k.cfg.Seed))
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			tmp := path + ".building"
			if err := removeDB(tmp); err != nil {
				return nil, err
			}
			if _, err := BuildDemoCity(ctx, tmp, demo.Options{Families: k.cfg.Families, Seed: k.cfg.Seed}); err != nil {
				return nil, err
			}
			if err := os.Rename(tmp, path); err != nil {
				return nil, fmt.Errorf("keep demo city: %w", err)
			}
		}
	}
	return openCity(path)
}

// Close closes the databases.
func (k *Kiosk) Close() error {
	var errs []error
	for _, db := range []*sqlite.DB{k.city, k.store} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// Store is the kiosk's own database (applications and outbox).
func (k *Kiosk) Store() *sqlite.DB { return k.store }

// KioskID is the device's identifier, printed on receipts.
func (k *Kiosk) KioskID() string { return k.cfg.KioskID }

// Personas are the demo city's named families.
func (k *Kiosk) Personas() []core.Persona { return k.personas }

// Services wires the screens to the adapters.
func (k *Kiosk) Services(reader ui.CardReader) ui.Services {
	reg := &core.Registrar{Sources: core.SourcesOf(k.city.City()), Policy: k.policy, Now: k.cfg.Now}
	return ui.Services{
		Registrar:   &nameCheckingRegistrar{reg: reg, glyphs: k.printer.Renderer.Glyphs()},
		Submitter:   &kioskSubmitter{store: k.store},
		Printer:     &kioskPrinter{printer: k.printer, kioskID: k.cfg.KioskID},
		Reader:      reader,
		Maintenance: &kioskMaintenance{k: k},
		KioskID:     k.cfg.KioskID,
		Now:         k.cfg.Now,
	}
}

// DemoReader is the simulated card reader offering the personas' cards.
func (k *Kiosk) DemoReader() *cardreader.Sim { return cardreader.NewSim(k.personas) }

// Options are the screens' settings.
func (k *Kiosk) Options() ui.Options {
	return ui.Options{Idle: k.cfg.Idle, Countdown: k.cfg.Countdown, Language: k.cfg.Language}
}
