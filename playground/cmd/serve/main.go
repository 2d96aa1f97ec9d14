// Command serve builds the keytier playground into a temporary directory
// and serves it on 127.0.0.1:
//
//	go run ./playground/cmd/serve [-addr 127.0.0.1:8765]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/keytier/keytier/playground"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8765", "address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		log.Fatalf("serve: %v", err)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "keytier-playground-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	buildCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	err = playground.Build(buildCtx, dir)
	cancel()
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: playground.Handler(dir), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("keytier playground: http://%s/\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
