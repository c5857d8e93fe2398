package faults

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// pgCluster is a PostgreSQL server of the test's own (initdb on its own
// port), so the test can stop and start it without touching the shared
// server other packages test against in parallel.
type pgCluster struct {
	t      testing.TB
	bin    string // directory of initdb, pg_ctl
	dir    string
	port   int
	asUser string // run the server as this user (PostgreSQL refuses root)
}

// startPostgres creates and starts a private cluster. Without PostgreSQL's
// server binaries the test skips, or fails under CI=true.
func startPostgres(t testing.TB) *pgCluster {
	t.Helper()
	bin := postgresBinDir()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL server binaries (initdb, pg_ctl) are required under CI")
		}
		t.Skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
	}
	// Not t.TempDir: its parents are private to root, and the server may
	// have to run as the postgres user.
	dir, err := os.MkdirTemp("", "relais-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &pgCluster{t: t, bin: bin, dir: dir, port: freePort(t)}
	if os.Geteuid() == 0 {
		pg.asUser = "postgres"
		u, err := user.Lookup(pg.asUser)
		if err != nil {
			t.Fatalf("running as root needs the postgres user to run a private cluster: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		pg.ctl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	pg.run("initdb", "-D", pg.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	pg.start()
	db, err := sql.Open("pgx", pg.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE relais"); err != nil {
		t.Fatal(err)
	}
	return pg
}

func postgresBinDir() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := string(bytes.TrimSpace(out)); fileExists(filepath.Join(d, "pg_ctl")) {
			return d
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

func (pg *pgCluster) data() string { return filepath.Join(pg.dir, "data") }

// url is the URL of a database of the cluster.
func (pg *pgCluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, db)
}

// run runs a server binary, as the postgres user when we are root.
func (pg *pgCluster) run(name string, args ...string) {
	pg.t.Helper()
	if out, err := pg.command(name, args...).CombinedOutput(); err != nil {
		pg.t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

func (pg *pgCluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pg.bin, name)
	if pg.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", pg.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (pg *pgCluster) ctl(args ...string) error {
	return pg.command("pg_ctl", append([]string{"-D", pg.data(), "-w", "-t", "60"}, args...)...).Run()
}

// start starts the server and waits until it accepts connections.
func (pg *pgCluster) start() {
	pg.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", pg.port, pg.dir)
	pg.run("pg_ctl", "-D", pg.data(), "-w", "-t", "60", "-l", filepath.Join(pg.dir, "log"), "-o", opts, "start")
}

// stop stops the server the way a restart for maintenance or a failover
// does: fast shutdown, every client connection cut.
func (pg *pgCluster) stop() {
	pg.t.Helper()
	if err := pg.ctl("stop", "-m", "fast"); err != nil {
		pg.t.Fatalf("pg_ctl stop: %v", err)
	}
}

// ping tells whether the server answers.
func (pg *pgCluster) ping() error {
	db, err := sql.Open("pgx", pg.url("relais"))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}
