package server

import (
	"context"
	"eportid/app/model"
	"flag"
	"fmt"
	"strconv"
	"time"

	"eportid/backend/auth"
	"eportid/backend/registry"
	"eportid/backend/store"
)

// The outside registries and the development demo data.

// openDemoData, with DemoData on, loads the registry fixtures, makes the
// demo reviewer (printing its credentials) and the demo card's
// enterprise's approved legal-person filing (demo_filing.go).
func (m *Main) openDemoData(ctx context.Context) error {
	c := &m.Config
	if !c.DemoData {
		return nil
	}
	if err := m.Store.LoadRegistryFixtures(ctx); err != nil {
		return fmt.Errorf("demo data: registry fixtures: %w", err)
	}
	h := c.Hasher
	if h == nil {
		h = auth.NewHasher(auth.DefaultParams, 0)
	}
	cred, err := EnsureDemoReviewer(ctx, m.Store, h)
	if err != nil {
		return fmt.Errorf("demo data: reviewer: %w", err)
	}
	fmt.Fprintln(c.Stdout, "demo data loaded (development only; EPORTID_DEMO_DATA=false turns it off): the registries' made-up enterprises and")
	cred.Print(c.Stdout)
	if err := openDemoFiling(ctx, m.Store, c.Stdout); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	return nil
}

// registries are the configured outside registries: HTTP where an
// endpoint is given, else the database's tables.
func (m *Main) registries() registry.Registries {
	c := &m.Config
	out := registry.NewDB(m.Store)
	urls := map[model.FilingKind]string{
		model.FilingCommerce: c.RegistryCommerceURL,
		model.FilingCustoms:  c.RegistryCustomsURL,
		model.FilingForex:    c.RegistryForexURL,
	}
	h := registry.NewHTTP(registry.HTTPConfig{URLs: urls, Timeout: c.RegistryTimeout})
	for k, u := range urls {
		if u != "" {
			out[k] = h[k]
		}
	}
	return out
}

// declarants is customs' configured registry of declarants: HTTP where an
// endpoint is given, else the database's table.
func (m *Main) declarants() registry.Declarants {
	if u := m.Config.RegistryDeclarantsURL; u != "" {
		return registry.NewHTTPDeclarants(u, m.Config.RegistryTimeout, nil)
	}
	return registry.NewDBDeclarants(m.Store)
}

// parseDemoFlags defines the flags of the registries and the demo data on
// fs; the function it returns finishes them after fs.Parse.
func parseDemoFlags(fs *flag.FlagSet, c *Config, env func(k, def string) string) func() error {
	fs.StringVar(&c.RegistryCommerceURL, "registry-commerce-url", env("EPORTID_REGISTRY_COMMERCE_URL", ""), "HTTP endpoint of the commerce ministry's registry; default the database's tables (EPORTID_REGISTRY_COMMERCE_URL)")
	fs.StringVar(&c.RegistryCustomsURL, "registry-customs-url", env("EPORTID_REGISTRY_CUSTOMS_URL", ""), "HTTP endpoint of customs' registry (EPORTID_REGISTRY_CUSTOMS_URL)")
	fs.StringVar(&c.RegistryDeclarantsURL, "registry-declarants-url", env("EPORTID_REGISTRY_DECLARANTS_URL", ""), "HTTP endpoint of customs' registry of declarants (报关人员); default the database's table (EPORTID_REGISTRY_DECLARANTS_URL)")
	fs.StringVar(&c.RegistryForexURL, "registry-forex-url", env("EPORTID_REGISTRY_FOREX_URL", ""), "HTTP endpoint of the forex bureau's registry (EPORTID_REGISTRY_FOREX_URL)")
	timeout := fs.String("registry-timeout", env("EPORTID_REGISTRY_TIMEOUT", registry.DefaultTimeout.String()), "timeout of an HTTP registry lookup (EPORTID_REGISTRY_TIMEOUT)")
	demo := fs.String("demo-data", env("EPORTID_DEMO_DATA", ""), "load the made-up registry records and a demo reviewer, development only (EPORTID_DEMO_DATA; default on for SQLite, off for PostgreSQL)")
	return func() error {
		d, err := time.ParseDuration(*timeout)
		if err != nil || d <= 0 {
			return fmt.Errorf("registry timeout %q: not a positive duration", *timeout)
		}
		c.RegistryTimeout = d
		if *demo == "" {
			c.DemoData = !store.IsPostgresURL(c.DatabaseURL)
		} else if c.DemoData, err = strconv.ParseBool(*demo); err != nil {
			return fmt.Errorf("demo data %q: %v", *demo, err)
		}
		return nil
	}
}
