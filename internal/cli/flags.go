package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation marks a flag whose value, when the flag is not given, comes
// from an environment variable (FromEnv).
const envAnnotation = "hook_env"

// describedAnnotation marks a flag whose help DescribeFlags has completed.
const describedAnnotation = "hook_described"

// FromEnv says that flag name of fs takes its value from the environment
// variable envName when it is not on the command line. DescribeFlags writes
// it into the flag's help, "(env HOOK_LISTEN)", and ApplyEnv reads it: the
// flag's default stays the built-in one, so help never shows the value of a
// variable (a key, a token) as a default.
func FromEnv(fs *pflag.FlagSet, name, envName string) {
	if err := fs.SetAnnotation(name, envAnnotation, []string{envName}); err != nil {
		panic(err) // a flag of hook's own that does not exist: a programming error
	}
}

// Required marks flag name of cmd required: cobra refuses the command
// without it (a value from its environment variable counts), and the help
// says "(required)".
func Required(cmd *cobra.Command, name string) {
	if err := cmd.MarkFlagRequired(name); err != nil {
		panic(err)
	}
}

// EnvOf is the environment variable flag f falls back on, or "".
func EnvOf(f *pflag.Flag) string {
	if v := f.Annotations[envAnnotation]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func IsRequired(f *pflag.Flag) bool {
	v := f.Annotations[cobra.BashCompOneRequiredFlag]
	return len(v) > 0 && v[0] == "true"
}

// DescribeFlags ends the help of every flag in cmd's tree the same way:
// "(required; env TRTC_CALLBACK_KEY)", "(env HOOK_LISTEN)", "(required)".
// Run once, on the finished tree.
func DescribeFlags(cmd *cobra.Command) {
	for _, fs := range []*pflag.FlagSet{cmd.LocalNonPersistentFlags(), cmd.PersistentFlags()} {
		fs.VisitAll(func(f *pflag.Flag) {
			var notes []string
			if IsRequired(f) {
				notes = append(notes, "required")
			}
			if e := EnvOf(f); e != "" {
				notes = append(notes, "env "+e)
			}
			if _, done := f.Annotations[describedAnnotation]; len(notes) > 0 && !done {
				f.Usage += " (" + strings.Join(notes, "; ") + ")"
				_ = fs.SetAnnotation(f.Name, describedAnnotation, nil)
			}
		})
	}
	for _, sub := range cmd.Commands() {
		DescribeFlags(sub)
	}
}

// ApplyEnv sets every flag of fs not given on the command line from its
// environment variable, when that is set. Setting marks the flag changed, so
// a required flag given by its variable is given.
func ApplyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		name := EnvOf(f)
		if err != nil || f.Changed || name == "" {
			return
		}
		v := getenv(name)
		if v == "" {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = Exit{Code: 2, Msg: fmt.Sprintf("%s: %v", name, e)}
		}
	})
	return err
}

// ParseFlags parses args on fs and applies the environment: the flag
// handling of a cobra command, for the parse* functions tests call.
func ParseFlags(fs *pflag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return Exit{Code: 2, Msg: fs.Name() + ": " + err.Error()}
	}
	return ApplyEnv(fs, getenv)
}

// MissingRequired names the required flags of cmd that were not given, for
// the message that replaces cobra's `required flag(s) "key" not set`.
func MissingRequired(cmd *cobra.Command) string {
	var missing []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !IsRequired(f) || f.Changed {
			return
		}
		s := "--" + f.Name + " is required"
		if e := EnvOf(f); e != "" {
			s += " (or set " + e + ")"
		}
		missing = append(missing, s)
	})
	return strings.Join(missing, "; ")
}

// goStyleFlag is a long flag written with one dash, as Go's flag package
// accepts: "-rules", "-redis-timeout=1s".
var goStyleFlag = regexp.MustCompile(`^-([a-z][a-z-]+)(=.*)?$`)

// DoubleDash rewrites Go-style single-dash long flags that name a flag of
// hook's ("-rules x") as "--rules x": hook took them before it moved to
// cobra, and scripts written then keep working. Nothing after "--" changes.
func DoubleDash(root *cobra.Command, args []string) []string {
	names := map[string]bool{}
	var collect func(*cobra.Command)
	collect = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		}
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)
	names["help"], names["version"] = true, true
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		if m := goStyleFlag.FindStringSubmatch(a); m != nil && names[m[1]] {
			a = "-" + a
		}
		out[i] = a
	}
	return out
}
