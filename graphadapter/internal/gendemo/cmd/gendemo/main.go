// Command gendemo writes the Northwind Fabrication demo tenant (package
// demo) as a snapshot document:
//
//	go run ./graphadapter/internal/gendemo/cmd/gendemo -out graphadapter/demo/northwind.json
//
// -users and -seed default to the committed file's parameters (demo.Users,
// demo.Seed); larger tenants are for load testing.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/graphadapter/internal/gendemo"
)

func main() {
	users := flag.Int("users", demo.Users, "number of users")
	seed := flag.Uint64("seed", demo.Seed, "random seed")
	out := flag.String("out", "-", "output file, - for standard output")
	flag.Parse()

	b, err := gendemo.Generate(gendemo.GenerateOptions{Users: *users, Seed: *seed}).Marshal()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
	if *out == "-" {
		_, err = os.Stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}
