// Command ferretdb runs FerretDB 1.24 (MongoDB wire protocol over SQLite) for ipstream's local
// services. It embeds FerretDB's public package rather than `go install`ing its command, because the
// module proxy copy of the command panics without a generated version file; the embedded build
// skips that check and disables telemetry by itself. ipstream builds it with the patches in
// patches/ applied to FerretDB's module (README.md says what each fixes).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "directory for SQLite databases")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	listenTLS := flag.String("listen-tls", "", "TCP address of a TLS listener beside --listen-addr (none when empty)")
	tlsCert := flag.String("tls-cert-file", "", "PEM server certificate of --listen-tls")
	tlsKey := flag.String("tls-key-file", "", "PEM private key of --tls-cert-file")
	tlsCA := flag.String("tls-ca-file", "", "PEM CA that signs client certificates; when set, --listen-tls requires them")
	flag.Parse()

	if *listenTLS != "" && (*tlsCert == "" || *tlsKey == "") {
		fmt.Fprintln(os.Stderr, "ferretdb: --listen-tls needs --tls-cert-file and --tls-key-file")
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad --log-level: %v\n", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	abs, err := filepath.Abs(*dataDir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: data dir: %v\n", err)
		os.Exit(1)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{
			TCP:         *listen,
			TLS:         *listenTLS,
			TLSCertFile: *tlsCert,
			TLSKeyFile:  *tlsKey,
			TLSCAFile:   *tlsCA,
		},
		Handler: "sqlite",
		// WAL with synchronous=NORMAL: commits survive a crash of any process, and only a power loss
		// can drop the last ones. The default (FULL) fsyncs every commit, and FerretDB commits every
		// update statement on its own, which makes rollup writes an order of magnitude slower.
		// journal_size_limit truncates the WAL back to 64 MiB after each checkpoint, so a burst of
		// writes does not leave a WAL file of its peak size behind.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(normal)&_pragma=journal_size_limit(67108864)",
		Logger:    logger,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logger.Info("listening", "addr", *listen, "tls", *listenTLS, "data", abs)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}
