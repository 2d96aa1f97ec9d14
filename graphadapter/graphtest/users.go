package graphtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/keytier/keytier/graphadapter"
)

// CreatedUser is what the server noted of a user it created (POST /users).
// It never keeps the password: only what a test needs to see that the
// client drew a long, varied password anew for each user.
type CreatedUser struct {
	ID                string
	UserPrincipalName string
	AccountEnabled    bool
	// ForceChangePasswordNextSignIn and ForceChangePasswordNextSignInWithMfa
	// are the passwordProfile's (false when absent).
	ForceChangePasswordNextSignIn        bool
	ForceChangePasswordNextSignInWithMfa bool
	// PasswordLength is the password's length in characters.
	PasswordLength int
	// PasswordClasses is how many of Entra's four character classes
	// (lowercase, uppercase, digits, symbols) the password has.
	PasswordClasses int
	// PasswordReused: an earlier creation on this server sent the same
	// password. The server tells by an HMAC-SHA-256 of each password under
	// a key it draws at start and never shows.
	PasswordReused bool
}

// CreatedUsers returns the users created so far, in order.
func (s *Server) CreatedUsers() []CreatedUser {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return slices.Clone(s.h.created)
}

// addUser encodes u for the lists (GET /users, transitive members). The
// caller holds usersMu or owns h.
func (h *handler) addUser(u graphadapter.User) error {
	b, err := jsonv2.Marshal(u)
	if err != nil {
		return err
	}
	o, err := parseObject(b, "authenticationMethods")
	if err != nil {
		return err
	}
	h.userAt[u.ID] = len(h.users)
	h.users = append(h.users, o)
	return nil
}

// Entra's password policy (learn.microsoft.com/entra/identity
// /authentication/concept-sspr-policy, "Microsoft Entra password
// policies"): 8 to 256 characters of these, three of the four classes, and
// not the userPrincipalName.
const (
	minPassword     = 8
	maxPassword     = 256
	passwordSymbols = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> "
)

// passwordClasses returns how many character classes pw has, or -1 when it
// has a character Entra does not allow.
func passwordClasses(pw string) int {
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case 'a' <= r && r <= 'z':
			lower = true
		case 'A' <= r && r <= 'Z':
			upper = true
		case '0' <= r && r <= '9':
			digit = true
		case r < 0x80 && strings.ContainsRune(passwordSymbols, r):
			symbol = true
		default:
			return -1
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			n++
		}
	}
	return n
}

// newUserBody is the body of POST /users as this server reads it: the
// members Graph requires (learn.microsoft.com/graph/api/user-post-users).
type newUserBody struct {
	// Graph's SDKs send the entity's type with the body.
	ODataType         string  `json:"@odata.type"`
	AccountEnabled    *bool   `json:"accountEnabled"`
	DisplayName       *string `json:"displayName"`
	MailNickname      *string `json:"mailNickname"`
	UserPrincipalName *string `json:"userPrincipalName"`
	PasswordProfile   *struct {
		ODataType                            string  `json:"@odata.type"`
		Password                             *string `json:"password"`
		ForceChangePasswordNextSignIn        *bool   `json:"forceChangePasswordNextSignIn"`
		ForceChangePasswordNextSignInWithMfa *bool   `json:"forceChangePasswordNextSignInWithMfa"`
	} `json:"passwordProfile"`
}

// invalidProperty is Graph's answer to a required member missing or
// malformed.
func (h *handler) invalidProperty(w http.ResponseWriter, name string) {
	h.graphError(w, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid value specified for property '%s' of resource 'User'.", name))
}

// createUser answers POST /users. The password is checked against Entra's
// policy and then forgotten: it is in no answer, no error and no record
// but for CreatedUser's summary.
func (h *handler) createUser(w http.ResponseWriter, r *http.Request) {
	var req newUserBody
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		err = jsonv2.Unmarshal(body, &req, jsonv2.RejectUnknownMembers(true))
	}
	clear(body)
	if err != nil {
		// Where, never what: the body holds a password.
		h.graphError(w, http.StatusBadRequest, "BadRequest", "Invalid request body"+errorWhere(err)+".")
		return
	}
	switch {
	case req.ODataType != "" && req.ODataType != "#microsoft.graph.user":
		h.graphError(w, http.StatusBadRequest, "BadRequest", "Invalid request body: @odata.type "+req.ODataType+" is not #microsoft.graph.user.")
		return
	case req.AccountEnabled == nil:
		h.invalidProperty(w, "accountEnabled")
		return
	case req.DisplayName == nil || *req.DisplayName == "":
		h.invalidProperty(w, "displayName")
		return
	case req.MailNickname == nil || *req.MailNickname == "":
		h.invalidProperty(w, "mailNickname")
		return
	case req.UserPrincipalName == nil || *req.UserPrincipalName == "":
		h.invalidProperty(w, "userPrincipalName")
		return
	case req.PasswordProfile == nil || req.PasswordProfile.Password == nil || *req.PasswordProfile.Password == "":
		h.graphError(w, http.StatusBadRequest, "Request_BadRequest", "A password must be specified to create a new user.")
		return
	}
	pp := req.PasswordProfile
	pw := *pp.Password
	pp.Password = nil
	note := CreatedUser{
		UserPrincipalName:                    *req.UserPrincipalName,
		AccountEnabled:                       *req.AccountEnabled,
		ForceChangePasswordNextSignIn:        pp.ForceChangePasswordNextSignIn != nil && *pp.ForceChangePasswordNextSignIn,
		ForceChangePasswordNextSignInWithMfa: pp.ForceChangePasswordNextSignInWithMfa != nil && *pp.ForceChangePasswordNextSignInWithMfa,
		PasswordLength:                       len([]rune(pw)),
		PasswordClasses:                      passwordClasses(pw),
	}
	mac := hmac.New(sha256.New, h.passwordKey)
	mac.Write([]byte(pw))
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	complies := note.PasswordLength >= minPassword && note.PasswordLength <= maxPassword && note.PasswordClasses >= 3 &&
		!strings.Contains(strings.ToLower(pw), strings.ToLower(note.UserPrincipalName))
	pw = ""
	if !complies {
		h.graphError(w, http.StatusBadRequest, "Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password.")
		return
	}

	h.usersMu.Lock()
	defer h.usersMu.Unlock()
	u, err := h.dir.CreateUser(r.Context(), graphadapter.NewUser{
		UserPrincipalName: *req.UserPrincipalName,
		DisplayName:       *req.DisplayName,
		MailNickname:      *req.MailNickname,
		AccountEnabled:    *req.AccountEnabled,
	})
	switch {
	case errors.Is(err, graphadapter.ErrExists):
		// As Graph answers (microsoftgraph/microsoft-graph-docs#1508).
		h.graphErrorDetails(w, http.StatusBadRequest, "Request_BadRequest",
			"Another object with the same value for property userPrincipalName already exists.",
			[]errorDetail{{Target: "userPrincipalName", Code: "ObjectConflict"}})
		return
	case err != nil:
		h.directoryError(w, err)
		return
	}
	if err := h.addUser(u); err != nil {
		h.graphError(w, http.StatusInternalServerError, "generalException", err.Error())
		return
	}
	note.ID = u.ID
	h.count(func(*Stats) {
		note.PasswordReused = h.passwords[sum]
		h.passwords[sum] = true
		h.created = append(h.created, note)
	})
	w.Header().Set("Location", "https://graph.microsoft.com/v1.0/users/"+u.ID)
	o := project(h.users[h.userAt[u.ID]], nil, defaultUserSelect)
	writeJSON(w, http.StatusCreated, o.encode(member{"@odata.context", quote(metadata + "users/$entity")}))
}

// errorWhere says where in the body a decoding error is, as ": at
// /passwordProfile/password", without quoting the body.
func errorWhere(err error) string {
	var se *jsonv2.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		return ": at " + string(se.JSONPointer)
	}
	var xe *jsontext.SyntacticError
	if errors.As(err, &xe) {
		return fmt.Sprintf(": not JSON (byte %d)", xe.ByteOffset)
	}
	return ""
}
