package portal

import "github.com/keytier/keytier/examples/onboarding/form"

// InputError is a request the portal cannot use, naming the field and what
// is wrong with it (package form reads the portal's input).
type InputError = form.InputError
