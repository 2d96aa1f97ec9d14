package passkeytest

// OptionError reports an option that the authenticator cannot honour,
// naming the field, e.g. "RegisterOptions.Challenge".
type OptionError struct {
	Field  string
	Reason string
}

func (e *OptionError) Error() string {
	return "passkeytest: " + e.Field + ": " + e.Reason
}
