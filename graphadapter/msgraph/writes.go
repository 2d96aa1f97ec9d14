package msgraph

import (
	"context"
	"fmt"

	jsonser "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/keytier/keytier/graphadapter"
)

// CreateTemporaryAccessPass implements graphadapter.MethodWriter with the
// SDK's model. The code Graph returns goes into the CreatedPass's Code and
// nowhere else: the Method carries no code, as Graph lists it later.
func (d *Directory) CreateTemporaryAccessPass(ctx context.Context, userID string, req graphadapter.TemporaryAccessPassRequest) (graphadapter.CreatedPass, error) {
	const op = "CreateTemporaryAccessPass"
	res := "/users/" + userID + "/authentication/temporaryAccessPassMethods"
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	if !req.StartDateTime.IsZero() {
		t := req.StartDateTime.UTC()
		body.SetStartDateTime(&t)
	}
	if req.LifetimeInMinutes != 0 {
		v := int32(req.LifetimeInMinutes)
		body.SetLifetimeInMinutes(&v)
	}
	body.SetIsUsableOnce(req.IsUsableOnce)
	got, err := users.NewUsersRequestBuilderInternal(noPathParameters, d.adapter).ByUserId(userID).Authentication().TemporaryAccessPassMethods().Post(ctx, body, nil)
	if err != nil {
		return graphadapter.CreatedPass{}, d.fail(ctx, op, res, err)
	}
	code := deref(got.GetTemporaryAccessPass())
	got.SetTemporaryAccessPass(nil)
	if code == "" {
		return graphadapter.CreatedPass{}, &graphadapter.DirectoryError{Op: op, Resource: res, Reason: "Graph returned no temporaryAccessPass"}
	}
	w := jsonser.NewJsonSerializationWriter()
	defer w.Close()
	if err := w.WriteObjectValue("", got); err != nil {
		return graphadapter.CreatedPass{}, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
	}
	raw, err := w.GetSerializedContent()
	if err != nil {
		return graphadapter.CreatedPass{}, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
	}
	m, err := graphadapter.ParseMethod(raw)
	if err != nil {
		return graphadapter.CreatedPass{}, &graphadapter.DirectoryError{Op: op, Resource: res,
			Reason: fmt.Sprintf("Graph's answer is not a method keytier can read"), Err: err}
	}
	return graphadapter.CreatedPass{Method: m, Code: graphadapter.NewPassCode(code)}, nil
}

// DeleteTemporaryAccessPass implements graphadapter.MethodWriter.
func (d *Directory) DeleteTemporaryAccessPass(ctx context.Context, userID, methodID string) error {
	res := "/users/" + userID + "/authentication/temporaryAccessPassMethods/" + methodID
	err := users.NewUsersRequestBuilderInternal(noPathParameters, d.adapter).ByUserId(userID).Authentication().
		TemporaryAccessPassMethods().ByTemporaryAccessPassAuthenticationMethodId(methodID).Delete(ctx, nil)
	if err != nil {
		return d.fail(ctx, "DeleteTemporaryAccessPass", res, err)
	}
	return nil
}

// DeleteFIDO2Method implements graphadapter.MethodWriter.
func (d *Directory) DeleteFIDO2Method(ctx context.Context, userID, methodID string) error {
	res := "/users/" + userID + "/authentication/fido2Methods/" + methodID
	err := users.NewUsersRequestBuilderInternal(noPathParameters, d.adapter).ByUserId(userID).Authentication().
		Fido2Methods().ByFido2AuthenticationMethodId(methodID).Delete(ctx, nil)
	if err != nil {
		return d.fail(ctx, "DeleteFIDO2Method", res, err)
	}
	return nil
}
