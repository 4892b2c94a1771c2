//! Between the `www` service's HTTP requests (`netstack::http`) and the REST API (`config::rest`):
//! the request's parts the API reads, and its answer as an HTTP response.

use config::rest::{RestRequest, RestResponse};
use netstack::http::{Request, Response};

/// The parts of `request` the REST API reads.
pub fn request(request: &Request) -> RestRequest<'_> {
    RestRequest {
        method: request.method.as_str(),
        path: &request.path,
        query: &request.query,
        authorization: request.header("authorization"),
        accept: request.header("accept"),
        body: &request.body,
        source: request.peer.addr,
    }
}

/// The API's answer as the HTTP server sends it.
pub fn response(answer: RestResponse) -> Response {
    let mut response = Response::new(answer.status, "", answer.body);
    for (name, value) in &answer.headers {
        response = response.with_header(name, value);
    }
    response
}
