//! Sending a reply, with retries, so that an answer a Discord hiccup
//! rejects is not lost.
//!
//! The retry policy (`next_step`):
//! - A 5xx (or no HTTP answer at all) is retried once, after
//!   [`SERVER_ERROR_PAUSE`].
//! - A 429 is retried after its `retry_after` (the JSON body's seconds, else
//!   the `Retry-After` header) as long as the waits of one delivery add up to
//!   at most [`RATE_LIMIT_CAP`]; a longer wait is not attempted.
//! - A 400 with code 40060 ("interaction has already been acknowledged") on
//!   a retry means an earlier attempt did arrive: delivered.
//! - Anything else is final. The caller tells the user where it can.
//!
//! Why not serenity's builders (`create_response`, `send_message` …): a
//! failed request becomes a serenity `ErrorResponse` that keeps the status
//! but drops the headers and the body's `retry_after`. So a reply is sent
//! here through serenity's own pieces (its `Route`, `Request` and, when it is
//! on, its rate limiter) and the answer is read before serenity turns it
//! into an error. The builders are serialized as serenity would (we never
//! attach files); their length checks are skipped, `render` keeps the limits.
//!
//! With the rate limiter on (no `discord.api_base`), serenity itself waits
//! out a 429 that carries a `Retry-After` header, as Discord's do, and
//! retries it without our cap; the 429 rule here then covers what it lets
//! through. With `discord.api_base` the limiter is off and the rule above
//! is all there is.
//!
//! Message posts carry a nonce with `enforce_nonce`: when the retry of a
//! post repeats one that did arrive despite the 5xx, Discord answers with
//! the message already posted instead of posting it twice.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use serenity::all::{ApplicationId, ChannelId, InteractionId};
use serenity::http::{Http, LightMethod, Request, Route};
use tracing::info;

/// Pause before the one retry of a 5xx.
pub const SERVER_ERROR_PAUSE: Duration = Duration::from_millis(200);
/// Longest total wait for 429s within one delivery; past it, give up.
pub const RATE_LIMIT_CAP: Duration = Duration::from_secs(5);
/// Wait for a 429 that says nothing about how long (Discord always says).
const RATE_LIMIT_DEFAULT: Duration = Duration::from_secs(1);
/// Attempts of one delivery, at most.
const MAX_ATTEMPTS: u32 = 4;
/// Discord's "interaction has already been acknowledged".
const ALREADY_ACKNOWLEDGED: i64 = 40060;

/// Where a reply goes.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// The response to an interaction: `POST /interactions/{id}/{token}/callback`.
    Callback(InteractionId, &'a str),
    /// The deferred response, edited in: `PATCH /webhooks/{app}/{token}/messages/@original`.
    Original(ApplicationId, &'a str),
    /// A follow-up message of an interaction: `POST /webhooks/{app}/{token}`.
    Followup(ApplicationId, &'a str),
    /// A message in a channel: `POST /channels/{id}/messages`.
    Channel(ChannelId),
}

impl<'a> Target<'a> {
    fn route(self) -> (Route<'a>, LightMethod) {
        match self {
            Target::Callback(interaction_id, token) => (
                Route::InteractionResponse {
                    interaction_id,
                    token,
                },
                LightMethod::Post,
            ),
            Target::Original(application_id, token) => (
                Route::WebhookOriginalInteractionResponse {
                    application_id,
                    token,
                },
                LightMethod::Patch,
            ),
            Target::Followup(application_id, token) => (
                Route::WebhookFollowupMessages {
                    application_id,
                    token,
                },
                LightMethod::Post,
            ),
            Target::Channel(channel_id) => {
                (Route::ChannelMessages { channel_id }, LightMethod::Post)
            }
        }
    }
}

/// A label for logs: never the interaction token, which grants posting.
impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Callback(id, _) => write!(f, "response to interaction {id}"),
            Target::Original(..) => write!(f, "edit of a deferred response"),
            Target::Followup(..) => write!(f, "interaction follow-up"),
            Target::Channel(id) => write!(f, "message to channel {id}"),
        }
    }
}

/// A reply that could not be delivered.
#[derive(Debug)]
pub struct Undelivered {
    /// The last HTTP status, if Discord answered at all.
    pub status: Option<u16>,
    detail: String,
}

impl fmt::Display for Undelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "Discord answered {s}: {}", self.detail),
            None => write!(f, "{}", self.detail),
        }
    }
}

impl std::error::Error for Undelivered {}

/// What one attempt got back.
#[derive(Debug, Clone, Default, PartialEq)]
struct Answer {
    /// The HTTP status; `None` when no answer came (connection failed).
    status: Option<u16>,
    /// Discord's JSON error `code`, when the body has one.
    code: Option<i64>,
    /// How long Discord asks to wait before the next try (429).
    retry_after: Option<Duration>,
    /// Discord's `message`, or the transport error, for logs.
    detail: String,
}

/// What the earlier attempts of one delivery used up.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    attempts: u32,
    server_retries: u32,
    rate_waits: Duration,
}

#[derive(Debug, PartialEq)]
enum Step {
    Delivered,
    Retry(Duration),
    GiveUp,
}

/// The retry policy (module docs): what to do after `answer`, the answer
/// to attempt number `spent.attempts`.
fn next_step(answer: &Answer, spent: Spent) -> Step {
    match answer.status {
        Some(s) if (200..300).contains(&s) => return Step::Delivered,
        Some(400) if spent.attempts > 1 && answer.code == Some(ALREADY_ACKNOWLEDGED) => {
            return Step::Delivered
        }
        _ => {}
    }
    if spent.attempts >= MAX_ATTEMPTS {
        return Step::GiveUp;
    }
    match answer.status {
        Some(429) => {
            let wait = answer.retry_after.unwrap_or(RATE_LIMIT_DEFAULT);
            if spent.rate_waits + wait <= RATE_LIMIT_CAP {
                Step::Retry(wait)
            } else {
                Step::GiveUp
            }
        }
        Some(500..=599) | None if spent.server_retries == 0 => Step::Retry(SERVER_ERROR_PAUSE),
        _ => Step::GiveUp,
    }
}

/// The wait a 429 asks for: the body's `retry_after` (seconds, fractional),
/// else the `Retry-After` header (seconds).
fn retry_after(body: Option<&Value>, header: Option<&str>) -> Option<Duration> {
    let secs = body
        .and_then(|b| b.get("retry_after"))
        .and_then(Value::as_f64)
        .or_else(|| header.and_then(|h| h.trim().parse::<f64>().ok()))?;
    Duration::try_from_secs_f64(secs).ok()
}

/// Sends replies. Holds the HTTP client for when serenity's rate limiter
/// is off (`discord.api_base`); otherwise requests go through the limiter.
pub struct Delivery {
    client: reqwest::Client,
}

impl Delivery {
    /// `client` is the one serenity was given, if any.
    pub fn new(client: reqwest::Client) -> Self {
        Delivery { client }
    }

    /// Send `body` (a serenity builder) to `to`, retrying as the module
    /// docs say. Retries are logged; the final failure is the caller's.
    pub async fn send(
        &self,
        http: &Http,
        to: Target<'_>,
        body: &impl Serialize,
    ) -> Result<(), Undelivered> {
        let body = serde_json::to_vec(body).map_err(|e| Undelivered {
            status: None,
            detail: format!("cannot encode the reply: {e}"),
        })?;
        let mut spent = Spent::default();
        loop {
            spent.attempts += 1;
            let answer = self.attempt(http, to, body.clone()).await?;
            match next_step(&answer, spent) {
                Step::Delivered => return Ok(()),
                Step::Retry(wait) => {
                    info!(
                        "{to}: Discord answered {}; retrying in {wait:?}",
                        answer
                            .status
                            .map_or_else(|| answer.detail.clone(), |s| s.to_string())
                    );
                    if answer.status == Some(429) {
                        spent.rate_waits += wait;
                    } else {
                        spent.server_retries += 1;
                    }
                    tokio::time::sleep(wait).await;
                }
                Step::GiveUp => {
                    return Err(Undelivered {
                        status: answer.status,
                        detail: if spent.attempts > 1 {
                            format!("{} (after {} attempts)", answer.detail, spent.attempts)
                        } else {
                            answer.detail
                        },
                    })
                }
            }
        }
    }

    /// One request; `Err` only when it cannot even be built.
    async fn attempt(
        &self,
        http: &Http,
        to: Target<'_>,
        body: Vec<u8>,
    ) -> Result<Answer, Undelivered> {
        let (route, method) = to.route();
        let req = Request::new(route, method).body(Some(body));
        let sent = match &http.ratelimiter {
            Some(limiter) => limiter.perform(req).await,
            None => match req.build(&self.client, http.token(), http.proxy.as_deref()) {
                Ok(b) => b.send().await.map_err(serenity::Error::from),
                Err(e) => {
                    return Err(Undelivered {
                        status: None,
                        detail: format!("cannot build the request: {e}"),
                    })
                }
            },
        };
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Ok(Answer {
                    detail: e.to_string(),
                    ..Answer::default()
                })
            }
        };
        let status = resp.status().as_u16();
        let header = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let json: Option<Value> = resp
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Ok(Answer {
            status: Some(status),
            code: json
                .as_ref()
                .and_then(|j| j.get("code"))
                .and_then(Value::as_i64),
            retry_after: retry_after(json.as_ref(), header.as_deref()),
            detail: json
                .as_ref()
                .and_then(|j| j.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("(no JSON message)")
                .to_string(),
        })
    }
}

/// What the user is told when their answer could not be delivered;
/// `command` names the slash command it answered.
pub fn undelivered_notice(command: Option<&str>) -> String {
    match command {
        Some(c) => format!(
            "⚠️ 抱歉，/{c} 的回答没能送达（Discord 出错），请再试一次。\n\
             Sorry, my answer to /{c} could not be delivered (Discord returned an error). Please try again."
        ),
        None => "⚠️ 抱歉，我的回答没能送达（Discord 出错），请再试一次。\n\
                 Sorry, my answer could not be delivered (Discord returned an error). Please try again."
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: Option<u16>) -> Answer {
        Answer {
            status,
            ..Answer::default()
        }
    }

    fn spent(attempts: u32, server_retries: u32, rate_waits_ms: u64) -> Spent {
        Spent {
            attempts,
            server_retries,
            rate_waits: Duration::from_millis(rate_waits_ms),
        }
    }

    #[test]
    fn a_server_error_or_a_lost_connection_is_retried_once() {
        for status in [Some(500), Some(502), Some(503), None] {
            assert_eq!(
                next_step(&answer(status), spent(1, 0, 0)),
                Step::Retry(SERVER_ERROR_PAUSE)
            );
            assert_eq!(next_step(&answer(status), spent(2, 1, 0)), Step::GiveUp);
        }
        assert_eq!(
            next_step(&answer(Some(204)), spent(2, 1, 0)),
            Step::Delivered
        );
    }

    #[test]
    fn a_429_waits_its_retry_after_within_the_cap() {
        let limited = |ms| Answer {
            status: Some(429),
            retry_after: Some(Duration::from_millis(ms)),
            ..Answer::default()
        };
        assert_eq!(
            next_step(&limited(50), spent(1, 0, 0)),
            Step::Retry(Duration::from_millis(50))
        );
        // The waits of one delivery add up; past the cap, give up at once.
        assert_eq!(next_step(&limited(3000), spent(2, 0, 3000)), Step::GiveUp);
        assert_eq!(next_step(&limited(60_000), spent(1, 0, 0)), Step::GiveUp);
        assert_eq!(
            next_step(&limited(10), spent(MAX_ATTEMPTS, 0, 0)),
            Step::GiveUp
        );
    }

    #[test]
    fn client_errors_are_final_except_an_acknowledged_retry() {
        assert_eq!(next_step(&answer(Some(400)), spent(1, 0, 0)), Step::GiveUp);
        assert_eq!(next_step(&answer(Some(404)), spent(1, 0, 0)), Step::GiveUp);
        let acked = Answer {
            status: Some(400),
            code: Some(ALREADY_ACKNOWLEDGED),
            ..Answer::default()
        };
        assert_eq!(next_step(&acked, spent(1, 0, 0)), Step::GiveUp);
        assert_eq!(next_step(&acked, spent(2, 1, 0)), Step::Delivered);
    }

    #[test]
    fn retry_after_comes_from_the_body_then_the_header() {
        let body = json!({"message": "You are being rate limited.", "retry_after": 0.05, "global": false, "code": 0});
        assert_eq!(
            retry_after(Some(&body), Some("1")),
            Some(Duration::from_millis(50))
        );
        let html = None;
        assert_eq!(retry_after(html, Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after(Some(&json!({"code": 0})), Some(" 0.5 ")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(retry_after(None, Some("soon")), None);
        assert_eq!(retry_after(Some(&json!({"retry_after": -1.0})), None), None);
    }
}
