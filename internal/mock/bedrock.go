package mock

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/bedrock"
)

// This file is AWS Bedrock Runtime (wire-formats.md §3): POST
// /model/{id}/invoke, /invoke-with-response-stream, /converse and
// /converse-stream, routed on the decoded path (the id may hold ":" and,
// in an ARN, "/"). InvokeModel takes and answers Anthropic Messages for
// Anthropic's models, through the same machinery as /v1/messages, and
// embeddings for Titan and Cohere models (bedrock_embeddings.go);
// Converse is in bedrock_converse.go, event streams in bedrock_stream.go.
// Requests must carry a SigV4 Authorization header of the right shape
// (or a Bedrock API key as a bearer token); the signature itself is not
// checked, since the simulator does not know the secret.

// The operations of Bedrock Runtime the simulator serves.
const (
	opInvoke         = "invoke"
	opInvokeStream   = "invoke-with-response-stream"
	opConverse       = "converse"
	opConverseStream = "converse-stream"
)

// bedrockOp is a Bedrock Runtime call, read from its path.
type bedrockOp struct {
	model string
	name  string
}

func (o bedrockOp) stream() bool { return o.name == opInvokeStream || o.name == opConverseStream }

func (o bedrockOp) invoke() bool { return o.name == opInvoke || o.name == opInvokeStream }

// isBedrockPath reports whether path is answered in Bedrock's dialect.
func isBedrockPath(path string) bool { return strings.HasPrefix(path, "/model/") }

// parseBedrockPath reads /model/{id}/{operation} from a decoded path.
func parseBedrockPath(path string) (bedrockOp, bool) {
	rest, ok := strings.CutPrefix(path, "/model/")
	i := strings.LastIndexByte(rest, '/')
	if !ok || i <= 0 {
		return bedrockOp{}, false
	}
	op := bedrockOp{model: rest[:i], name: rest[i+1:]}
	switch op.name {
	case opInvoke, opInvokeStream, opConverse, opConverseStream:
		return op, true
	}
	return bedrockOp{}, false
}

// BedrockURL is the provider's Bedrock Runtime endpoint, "http://host:port":
// aws-sdk-go-v2's BaseEndpoint, and a gateway's bedrock base_url.
func (p *Provider) BedrockURL() string { return "http://" + p.addr }

// WithBedrockRegion makes the provider refuse, with 403
// InvalidSignatureException, SigV4 requests signed for another region, as
// a regional Bedrock endpoint does. By default any region is accepted.
func WithBedrockRegion(region string) ProviderOption {
	return func(c *providerConfig) { c.region = region }
}

// bedrockError is an error answer: the exception, in X-Amzn-ErrorType, and
// {"message"}.
type bedrockError struct {
	status    int
	exception string
	message   string
}

// bedrockMessages are the messages Bedrock sends with its exceptions.
var bedrockMessages = map[string]string{
	"ValidationException":           "Malformed input request, please reformat your input and try again.",
	"ServiceQuotaExceededException": "Your request exceeds the service quota for your account.",
	"AccessDeniedException":         "You don't have access to the model with the specified model ID.",
	"UnrecognizedClientException":   "The security token included in the request is invalid.",
	"InvalidSignatureException":     "The request signature we calculated does not match the signature you provided.",
	"ResourceNotFoundException":     "Could not resolve the foundation model from the provided model identifier.",
	"ModelTimeoutException":         "Model has timed out in processing the request. Try your request again.",
	"ModelErrorException":           "The model returned an error.",
	"ThrottlingException":           "Too many requests, please wait before trying again.",
	"ModelNotReadyException":        "Model is not ready for inference. Wait and try your request again.",
	"InternalServerException":       "The server encountered an internal error while processing the request.",
	"ModelStreamErrorException":     "The model stream ended with an error.",
	"ServiceUnavailableException":   "Bedrock is unable to process your request.",
}

func bedrockErrorFor(e bedrock.Exception) bedrockError {
	return bedrockError{status: e.Status, exception: e.Name, message: bedrockMessages[e.Name]}
}

func errValidation(message string) bedrockError {
	return bedrockError{status: http.StatusBadRequest, exception: "ValidationException", message: message}
}

// writeBedrockError answers e the way Bedrock does; aws-sdk-go-v2 reads
// the exception from the header.
func writeBedrockError(w http.ResponseWriter, e bedrockError) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{e.message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.exception+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	h.Set("X-Amzn-Requestid", h.Get("X-Request-Id"))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// faultException is the exception of the fault's Status on a Bedrock path.
func (f *Fault) bedrockException(fallback bedrock.Exception) bedrock.Exception {
	if e, ok := bedrock.LookupException(f.Exception); ok {
		return e
	}
	return fallback
}

// writeBedrockStatusFault answers the fault's Status on a Bedrock path:
// the same headers as the other paths, Bedrock's error.
func (x *exchange) writeBedrockStatusFault() {
	f := x.fault
	x.w.Header().Set("X-Amzn-Requestid", x.w.Header().Get("X-Request-Id"))
	if f.Body != "" {
		x.writeStatusFault() // the body verbatim
		return
	}
	h := x.w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(ceilUnits(f.RetryAfter.D(), time.Second), 10))
	}
	if f.RetryAfterMs > 0 {
		h.Set("retry-after-ms", strconv.FormatInt(ceilUnits(f.RetryAfterMs.D(), time.Millisecond), 10))
	}
	e := bedrockErrorFor(f.bedrockException(bedrock.ExceptionFor(f.Status)))
	e.status = f.Status
	writeBedrockError(x.w, e)
}

// bedrock answers a request on a Bedrock path, after the early fault
// stages: the operation, the method, the credentials, then the body.
func (x *exchange) bedrock() {
	x.w.Header().Set("X-Amzn-Requestid", x.w.Header().Get("X-Request-Id"))
	op, ok := parseBedrockPath(x.r.URL.Path)
	if !ok || x.r.Method != http.MethodPost {
		writeBedrockError(x.w, bedrockError{status: http.StatusNotFound, exception: "UnknownOperationException"})
		return
	}
	if e := x.p.authorizeBedrock(x.r); e != nil {
		writeBedrockError(x.w, *e)
		return
	}
	if op.invoke() {
		x.invoke(op)
		return
	}
	x.converse(op)
}

// authorizeBedrock checks the request's credentials: a bearer key (one of
// the provider's keys, when it has some), or a SigV4 signature of the
// right shape, for service bedrock and, with WithBedrockRegion, for the
// provider's region.
func (p *Provider) authorizeBedrock(r *http.Request) *bedrockError {
	denied := func(exception, message string) *bedrockError {
		return &bedrockError{status: http.StatusForbidden, exception: exception, message: message}
	}
	auth := r.Header.Get("Authorization")
	if key, ok := strings.CutPrefix(auth, "Bearer "); ok {
		if len(p.cfg.keys) > 0 && !slices.Contains(p.cfg.keys, key) {
			return denied("UnrecognizedClientException", bedrockMessages["UnrecognizedClientException"])
		}
		return nil
	}
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return denied("UnrecognizedClientException", "Missing Authentication Token: the request is not signed with SigV4 (Authorization: AWS4-HMAC-SHA256 ...).")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	date := r.Header.Get("X-Amz-Date")
	switch {
	case len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request":
		return denied("IncompleteSignatureException", "Authorization header requires 'Credential' parameter of the form KEY/DATE/REGION/SERVICE/aws4_request.")
	case len(fields["Signature"]) != 64:
		return denied("IncompleteSignatureException", "Authorization header requires a 64-digit hex 'Signature' parameter.")
	case !strings.Contains(";"+fields["SignedHeaders"]+";", ";host;") || !strings.Contains(";"+fields["SignedHeaders"]+";", ";x-amz-date;"):
		return denied("IncompleteSignatureException", "Authorization header requires 'SignedHeaders' to include host and x-amz-date.")
	case len(date) != 16 || !strings.HasPrefix(date, scope[1]):
		return denied("IncompleteSignatureException", "X-Amz-Date is missing, or its date does not match the credential scope's.")
	case scope[3] != "bedrock":
		return denied("InvalidSignatureException", "Credential should be scoped to correct service: 'bedrock'.")
	case p.cfg.region != "" && scope[2] != p.cfg.region:
		return denied("InvalidSignatureException", "Credential should be scoped to a valid region, not '"+scope[2]+"'.")
	}
	return nil
}

// invoke answers InvokeModel and InvokeModelWithResponseStream for an
// Anthropic model: the body is a Messages request without model and
// stream, with anthropic_version.
func (x *exchange) invoke(op bedrockOp) {
	if bedrock.IsEmbeddingsModel(op.model) {
		x.invokeEmbeddings(op)
		return
	}
	if !bedrock.IsAnthropic(op.model) {
		writeBedrockError(x.w, errValidation("The simulator serves InvokeModel for Anthropic models only (a model id with \"anthropic.\"); call Converse for "+op.model+"."))
		return
	}
	var o object
	if json.Unmarshal(x.body, &o) != nil || o == nil {
		writeBedrockError(x.w, errValidation(bedrockMessages["ValidationException"]))
		return
	}
	var version string
	if raw, ok := o["anthropic_version"]; !ok {
		writeBedrockError(x.w, errValidation("Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again."))
		return
	} else if json.Unmarshal(raw, &version) != nil || version != "bedrock-2023-05-31" {
		writeBedrockError(x.w, errValidation("Malformed input request: #/anthropic_version: "+string(raw)+" is not a valid enum value, please reformat your input and try again."))
		return
	}
	for _, k := range []string{"model", "stream"} {
		if _, ok := o[k]; ok {
			writeBedrockError(x.w, errValidation("Malformed input request: #: extraneous key ["+k+"] is not permitted, please reformat your input and try again."))
			return
		}
	}
	o["model"], _ = json.Marshal(op.model)
	body, _ := json.Marshal(o)
	req, e := parseMessagesRequest(body, false)
	if e != nil {
		writeBedrockError(x.w, errValidation(e.Message))
		return
	}
	m := x.reply(req)
	if op.stream() {
		if es := x.startEventStream(); es != nil {
			x.messageEvents(&messageStreamer{x: x, es: es}, m)
		}
		return
	}
	if f := x.fault; f != nil && !x.sleep(f.TTFT.D()+time.Duration(m.answer.Tokens())*pace(f)) {
		return
	}
	out, _ := json.Marshal(m.json())
	x.sendBedrockJSON(out, m.Input, m.answer.Tokens())
}

// sendBedrockJSON is sendJSON for the Bedrock paths: Bedrock's token
// count headers, and an overloaded fault answers its exception's status,
// since no 200 can carry it.
func (x *exchange) sendBedrockJSON(body []byte, input, output int) {
	if f := x.fault; f != nil && f.OverloadedAfterChunks != 0 && !f.Malformed {
		writeBedrockError(x.w, bedrockErrorFor(f.bedrockException(streamOverloaded)))
		return
	}
	h := x.w.Header()
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(input))
	h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(output))
	x.sendJSON(body)
}

// streamOverloaded is the exception OverloadedAfterChunks sends by default.
var streamOverloaded = bedrock.Exception{Name: "ServiceUnavailableException", Status: http.StatusServiceUnavailable}
