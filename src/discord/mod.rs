//! The Discord adapter: a thin front end over the platform-neutral core.
//!
//! - [`token`]: the bot token (environment or secret file), validated, never printed.
//! - [`commands`]: slash command definitions, their translation into text
//!   commands, autocomplete.
//! - [`render`]: a [`Reply`] laid out as Discord pages within Discord's limits.
//! - [`paging`]: the "previous / next" buttons of long replies.
//! - [`delivery`]: sending a reply, retried when Discord rejects it with a
//!   5xx or a 429.
//!
//! What reaches the core is always `Bot::handle(&UserKey::new("discord",
//! author_id), text)`, with the text a terminal user would type.
//!
//! Architecture invariant: this module is the only place serenity appears;
//! the core knows nothing of Discord.
//!
//! Rules the adapter keeps:
//! - Owner: the author of the interaction or message, never an option.
//! - Privacy: a [`Reply::private`] reply (deal data) is ephemeral for slash
//!   commands in guilds. A plain guild message with a private answer is
//!   answered by DM, with a short notice in the channel. In DMs nothing
//!   needs hiding. Errors are ephemeral in guilds too.
//! - Pings: allowed mentions are empty on every message, so an answer that
//!   echoes `@everyone` or a role mention pings no one.
//! - Deadline: deal commands (storage) are deferred at once; other commands
//!   are deferred when the answer takes longer than [`FAST_ANSWER`].
//! - Messages: in DMs every message is handled; in guild channels only
//!   messages that mention the bot, or, with `discord.message_content`,
//!   messages starting with `discord.prefix`.
//! - Delivery: a reply Discord rejects is retried ([`delivery`]); when it
//!   still fails, the user is told: by a follow-up after a deferral, else
//!   by DM (in a DM, in that DM).
//! - Gateway: its address comes from `GET /gateway/bot` (through
//!   `discord.api_base` when set), never from a built-in fallback; while the
//!   API cannot be reached the bot logs each try and retries with backoff
//!   (1 s doubling to 60 s), without end; a rejected token (401) stops it.
//! - Shutdown: SIGINT/SIGTERM stop the bot within 5 seconds in every state
//!   (before Discord was reached, connected, reconnecting); answers in flight
//!   get up to 2 seconds, then the deal store is closed (sled flushes it).

pub mod choices;
pub mod commands;
pub mod delivery;
pub mod more;
pub mod paging;
pub mod render;
pub mod token;

use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use anyhow::Context as _;
use serenity::all::{
    Command, CommandInteraction, ComponentInteraction, Context, EventHandler, GatewayIntents,
    Interaction, Message, Nonce, Ready, ResumedEvent, UserId,
};
use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateAutocompleteResponse, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    EditInteractionResponse,
};
use serenity::client::ClientBuilder;
use serenity::http::HttpBuilder;
use tokio::sync::{watch, Notify};
use tracing::{debug, info, warn};

use crate::config::DiscordConfig;
use crate::conversation::Bot;
use crate::knowledge::Knowledge;
use crate::reply::Reply;
use crate::user::UserKey;

pub use token::{resolve_token, Token};

use delivery::{undelivered_notice, Delivery, Target};
use render::Page;

/// Answers slower than this are deferred first (the interaction deadline
/// is 3 seconds).
pub const FAST_ANSWER: Duration = Duration::from_secs(1);
/// Autocomplete cannot be deferred: give up on customer names after this.
const AUTOCOMPLETE_BUDGET: Duration = Duration::from_millis(2000);
/// How long shutdown waits for answers in flight.
const DRAIN: Duration = Duration::from_secs(2);
/// How long shutdown waits for the gateway connection to close. With
/// [`DRAIN`], waited for at the same time, the bot stops within 5 seconds.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// First wait before asking for the gateway address again.
const RETRY_FIRST: Duration = Duration::from_secs(1);
/// Longest wait between two tries while Discord cannot be reached.
const RETRY_MAX: Duration = Duration::from_secs(60);
/// Platform name in every [`UserKey`] from Discord.
pub const PLATFORM: &str = "discord";

/// What the adapter needs from the core. [`Bot`] is the implementation;
/// tests may wrap it.
pub trait Core: Send + Sync + 'static {
    /// Answer one message of `user` (never fails).
    fn handle(&self, user: &UserKey, text: &str) -> impl Future<Output = Reply> + Send;
    /// The user's own customer names, for autocomplete.
    fn customers(&self, user: &UserKey) -> impl Future<Output = Vec<String>> + Send;
    /// The knowledge, for command choices and autocomplete.
    fn knowledge(&self) -> &Knowledge;
}

impl Core for Bot {
    fn handle(&self, user: &UserKey, text: &str) -> impl Future<Output = Reply> + Send {
        Bot::handle(self, user, text)
    }
    fn customers(&self, user: &UserKey) -> impl Future<Output = Vec<String>> + Send {
        Bot::customers(self, user)
    }
    fn knowledge(&self) -> &Knowledge {
        self.engine().knowledge()
    }
}

/// Run the Discord bot until `shutdown` resolves (the caller maps SIGINT and
/// SIGTERM to it). Reconnecting after the gateway drops is automatic.
pub async fn run(
    bot: Arc<Bot>,
    cfg: DiscordConfig,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve(bot, cfg, token, shutdown).await
}

/// [`run`] over any [`Core`].
///
/// Shutdown ends this within [`CLOSE_WAIT`] (plus the same for answers in
/// flight, waited for at the same time) in every state: connected,
/// reconnecting, or before Discord was ever reached. serenity 0.12.5 alone
/// does not: `ShardManager::shutdown_all` returns early when no shard is
/// running, so `Client::start` never returns while the gateway cannot be
/// reached; here the connection is raced against shutdown instead.
///
/// The gateway address always comes from the API (`GET /gateway/bot`,
/// through `discord.api_base` when set). serenity falls back to the public
/// `wss://gateway.discord.gg` when its own request fails, which would send
/// the token past the proxy; this asks first, retries with backoff while
/// the API is unreachable, and sets the client's address itself.
pub async fn serve<C: Core>(
    core: Arc<C>,
    cfg: DiscordConfig,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Some(mut stop) = Stop::start(shutdown).await else {
        return Ok(());
    };
    if let Some(w) = token.warning() {
        warn!("{w}");
    }
    let (http, client) = build_http(&cfg, &token)?;
    let place = match &cfg.api_base {
        Some(base) => base.trim_end_matches('/').to_string(),
        None => "Discord".to_string(),
    };
    let url = tokio::select! {
        url = gateway_url(&http, &place) => url?,
        _ = stop.wait() => {
            info!("shutting down before Discord was reached");
            return Ok(());
        }
    };
    let handler = Handler::new(core, &cfg, Delivery::new(client));
    let inflight = Arc::clone(&handler.inflight);
    let builder = ClientBuilder::new_with_http(http, intents(cfg.message_content))
        .event_handler(handler)
        .into_future();
    let mut client = tokio::select! {
        c = builder => c.context("cannot create the Discord client")?,
        _ = stop.wait() => return Ok(()),
    };
    // Whatever serenity found (or fell back to), the address is the API's.
    *client.ws_url.lock().await = url;

    let manager = Arc::clone(&client.shard_manager);
    info!("connecting to Discord");
    let start = client.start();
    tokio::pin!(start);
    let ended = tokio::select! {
        r = &mut start => Some(r),
        _ = stop.wait() => None,
    };
    let result = match ended {
        Some(r) => {
            inflight.drain(DRAIN).await;
            r.context("the Discord connection failed")
        }
        None => {
            info!("shutting down the Discord connection");
            // Close 1000 on a live connection; nothing to close otherwise.
            let close = tokio::time::timeout(CLOSE_WAIT, manager.shutdown_all());
            let (closed, ()) = tokio::join!(close, inflight.drain(DRAIN));
            if closed.is_err() {
                warn!(
                    "the Discord connection did not close within {} s; stopping anyway",
                    CLOSE_WAIT.as_secs()
                );
            }
            Ok(())
        }
    };
    info!("Discord bot stopped");
    result
}

/// Shutdown as seen from several places at once.
struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Poll `shutdown` once here, so that signal handlers behind it are
    /// installed before anything is logged, then watch it from a task.
    /// `None` when it has already resolved.
    async fn start(shutdown: impl Future<Output = ()> + Send + 'static) -> Option<Stop> {
        let mut shutdown = Box::pin(shutdown);
        let done =
            std::future::poll_fn(|cx| Poll::Ready(shutdown.as_mut().poll(cx).is_ready())).await;
        if done {
            return None;
        }
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = tx.send(true);
        });
        Some(Stop(rx))
    }

    /// Resolves once shutdown was asked for (at once if it already was).
    async fn wait(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }
}

/// The gateway address from `GET /gateway/bot`, asked until it is given:
/// while the API is unreachable or failing, every try is logged and the
/// wait doubles from [`RETRY_FIRST`] to [`RETRY_MAX`]. A rejected token is
/// an error at once; retrying cannot fix it.
async fn gateway_url(http: &serenity::http::Http, place: &str) -> anyhow::Result<String> {
    let since = std::time::Instant::now();
    let mut wait = RETRY_FIRST;
    let mut attempt = 1u32;
    loop {
        let problem = match http.get_bot_gateway().await {
            Ok(g) if g.url.starts_with("ws://") || g.url.starts_with("wss://") => {
                if attempt > 1 {
                    info!("reached {place} after {attempt} attempts");
                }
                return Ok(g.url);
            }
            Ok(g) => format!(
                "its gateway address `{}` is not a ws:// or wss:// URL",
                g.url
            ),
            Err(e) if status_of(&e) == Some(401) => anyhow::bail!(
                "Discord rejected the token (401 Unauthorized); reset it in the developer portal \
                 (Bot > Reset Token) and set DISCORD_TOKEN or discord.token_file again"
            ),
            Err(e) => e.to_string(),
        };
        warn!(
            "cannot get the gateway address from {place} (attempt {attempt}, failing for {} s): {problem}; \
             trying again in {} s (the bot keeps trying until Discord answers or it is stopped)",
            since.elapsed().as_secs(),
            wait.as_secs()
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RETRY_MAX);
        attempt += 1;
    }
}

/// The HTTP status of a request Discord (or the proxy) answered with an error.
fn status_of(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.status_code.as_u16())
        }
        _ => None,
    }
}

/// Gateway intents: non-privileged by default; MESSAGE_CONTENT only when
/// configured (it must also be enabled in the developer portal).
pub fn intents(message_content: bool) -> GatewayIntents {
    let mut i = GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if message_content {
        i |= GatewayIntents::MESSAGE_CONTENT;
    }
    i
}

/// Allowed mentions of every message the bot sends: nobody, not even the
/// author of the message replied to.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .everyone(false)
        .replied_user(false)
}

/// serenity's `Http`, and the HTTP client [`Delivery`] uses when
/// serenity's rate limiter is off.
fn build_http(
    cfg: &DiscordConfig,
    token: &Token,
) -> anyhow::Result<(serenity::http::Http, reqwest::Client)> {
    let mut b = HttpBuilder::new(token.expose()).default_allowed_mentions(no_pings());
    // HTTP_PROXY and friends must not capture requests to discord.api_base.
    let client = reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;
    if let Some(base) = &cfg.api_base {
        let base = base.trim_end_matches('/');
        info!(
            "discord.api_base is set: Discord API requests, and the request for the gateway address, go to {base}"
        );
        // serenity's rate limiter builds its requests without the proxy, so
        // it must be off; the proxy in front of Discord handles rate limits.
        b = b
            .proxy(base)
            .ratelimiter_disabled(true)
            .client(client.clone());
    }
    Ok((b.build(), client))
}

fn user_key(id: impl std::fmt::Display) -> UserKey {
    UserKey::new(PLATFORM, id.to_string())
}

/// Counts answers in flight so shutdown can let them finish.
#[derive(Default)]
struct Inflight {
    count: AtomicUsize,
    idle: Notify,
}

impl Inflight {
    fn enter(self: &Arc<Self>) -> InflightGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        InflightGuard(Arc::clone(self))
    }

    async fn drain(&self, limit: Duration) {
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.count.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        };
        if tokio::time::timeout(limit, wait).await.is_err() {
            warn!("shutdown: answers still in flight after {limit:?}; stopping anyway");
        }
    }
}

struct InflightGuard(Arc<Inflight>);

impl Drop for InflightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// The serenity event handler.
struct Handler<C> {
    core: Arc<C>,
    message_content: bool,
    prefix: String,
    me: AtomicU64,
    registered: AtomicBool,
    pages: paging::PageStore,
    inflight: Arc<Inflight>,
    delivery: Delivery,
}

impl<C: Core> Handler<C> {
    fn new(core: Arc<C>, cfg: &DiscordConfig, delivery: Delivery) -> Self {
        Handler {
            core,
            message_content: cfg.message_content,
            prefix: cfg.prefix.trim().to_string(),
            me: AtomicU64::new(0),
            registered: AtomicBool::new(false),
            pages: paging::PageStore::default(),
            inflight: Arc::new(Inflight::default()),
            delivery,
        }
    }
}

/// Where one reply goes, with its first page and buttons.
struct Outgoing {
    page: Page,
    buttons: Vec<CreateActionRow>,
}

impl<C: Core> Handler<C> {
    /// Lay out a reply and keep its pages for the buttons when there are several.
    fn layout(&self, owner: u64, reply: &Reply) -> Outgoing {
        // A card with a brief: the brief, and the full card one click away.
        if let Some(brief) = render::brief_page(reply) {
            let pages = render::pages(reply);
            let zh = reply
                .brief
                .as_deref()
                .is_some_and(|b| b.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
            let key = self.pages.insert(owner, reply.private, pages);
            return Outgoing {
                page: brief,
                buttons: more::button(key, zh),
            };
        }
        let mut pages = render::pages(reply);
        let count = pages.len();
        let first = pages
            .first()
            .cloned()
            .unwrap_or_else(|| render::notice("…"));
        let buttons = if count > 1 {
            let key = self
                .pages
                .insert(owner, reply.private, std::mem::take(&mut pages));
            paging::buttons(key, 0, count)
        } else {
            choices::buttons(reply)
        };
        Outgoing {
            page: first,
            buttons,
        }
    }

    async fn on_command(&self, ctx: &Context, cmd: &CommandInteraction) {
        let in_guild = cmd.guild_id.is_some();
        let owner = cmd.user.id.get();
        let parts = commands::Parts::from_data(&cmd.data);
        let inv = match commands::to_text(&parts) {
            Ok(inv) => inv,
            Err(e) => {
                debug!("slash command rejected: {e}");
                let out = Outgoing {
                    page: render::notice(&e.to_string()),
                    buttons: Vec::new(),
                };
                self.respond(ctx, cmd, &out, true).await;
                return;
            }
        };
        let user = user_key(cmd.user.id);
        let answer = self.core.handle(&user, &inv.text);
        tokio::pin!(answer);
        let quick = if inv.deal {
            None
        } else {
            tokio::time::timeout(FAST_ANSWER, &mut answer).await.ok()
        };
        if let Some(reply) = quick {
            let out = self.layout(owner, &reply);
            self.respond(ctx, cmd, &out, in_guild && (reply.private || reply.error))
                .await;
            return;
        }
        // Slow or touching storage: acknowledge now, answer within 15 minutes.
        let deferred_private = in_guild && inv.deal;
        let defer = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(deferred_private),
        );
        let callback = Target::Callback(cmd.id, &cmd.token);
        if let Err(e) = self.delivery.send(&ctx.http, callback, &defer).await {
            warn!("cannot defer /{}: {e}", cmd.data.name);
            self.tell_by_dm(ctx, cmd.user.id, cmd.id.get(), Some(&cmd.data.name))
                .await;
            return;
        }
        let reply = answer.await;
        let out = self.layout(owner, &reply);
        let private = in_guild && (reply.private || reply.error);
        let followups = Target::Followup(cmd.application_id, &cmd.token);
        if private && !deferred_private {
            // The deferral is public: remove it and answer only to the user.
            if let Err(e) = cmd.delete_response(&ctx.http).await {
                warn!("cannot remove the public deferral: {e}");
            }
            let f = followup(&out, true);
            if let Err(e) = self.delivery.send(&ctx.http, followups, &f).await {
                warn!("cannot answer /{}: {e}", cmd.data.name);
                self.tell_by_dm(ctx, cmd.user.id, cmd.id.get(), Some(&cmd.data.name))
                    .await;
            }
            return;
        }
        let original = Target::Original(cmd.application_id, &cmd.token);
        if let Err(e) = self.delivery.send(&ctx.http, original, &edit(&out)).await {
            warn!("cannot answer /{}: {e}", cmd.data.name);
            // The deferral still says "thinking…": a follow-up can say why.
            let notice = Outgoing {
                page: render::notice(&undelivered_notice(Some(&cmd.data.name))),
                buttons: Vec::new(),
            };
            let f = followup(&notice, in_guild);
            if let Err(e) = self.delivery.send(&ctx.http, followups, &f).await {
                warn!("cannot say that /{} was not answered: {e}", cmd.data.name);
                self.tell_by_dm(ctx, cmd.user.id, cmd.id.get(), Some(&cmd.data.name))
                    .await;
            }
        }
    }

    /// Answer a slash command at once; when that fails, tell the user by DM.
    async fn respond(
        &self,
        ctx: &Context,
        cmd: &CommandInteraction,
        out: &Outgoing,
        ephemeral: bool,
    ) {
        let r = CreateInteractionResponse::Message(message(out, ephemeral));
        let callback = Target::Callback(cmd.id, &cmd.token);
        if let Err(e) = self.delivery.send(&ctx.http, callback, &r).await {
            warn!("cannot answer /{}: {e}", cmd.data.name);
            self.tell_by_dm(ctx, cmd.user.id, cmd.id.get(), Some(&cmd.data.name))
                .await;
        }
    }

    /// Tell `user` by DM that the answer to `answered` (the id of an
    /// interaction or message; to `command` if named) was not delivered:
    /// the way left when the interaction or channel cannot carry it.
    async fn tell_by_dm(&self, ctx: &Context, user: UserId, answered: u64, command: Option<&str>) {
        let out = Outgoing {
            page: render::notice(&undelivered_notice(command)),
            buttons: Vec::new(),
        };
        let told = match user.create_dm_channel(&ctx.http).await {
            Ok(dm) => {
                let m = create(&out, None, nonce(answered, 'u'));
                self.delivery
                    .send(&ctx.http, Target::Channel(dm.id), &m)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = told {
            warn!("cannot tell the user by DM either: {e}");
        }
    }

    async fn on_autocomplete(&self, ctx: &Context, cmd: &CommandInteraction) {
        let Some(focused) = cmd.data.autocomplete() else {
            return;
        };
        let choices = if commands::completes_customers(focused.name) {
            let user = user_key(cmd.user.id);
            let names = tokio::time::timeout(AUTOCOMPLETE_BUDGET, self.core.customers(&user))
                .await
                .unwrap_or_default();
            commands::customer_choices(&names, focused.value)
        } else {
            commands::knowledge_choices(self.core.knowledge(), &cmd.data.name, focused.value)
        };
        let mut resp = CreateAutocompleteResponse::new();
        for (name, value) in choices {
            resp = resp.add_string_choice(name, value);
        }
        if let Err(e) = cmd
            .create_response(&ctx.http, CreateInteractionResponse::Autocomplete(resp))
            .await
        {
            debug!("autocomplete not delivered: {e}");
        }
    }

    async fn on_component(&self, ctx: &Context, c: &ComponentInteraction) {
        if let Some(n) = choices::parse(&c.data.custom_id) {
            // Picking a choice is typing its number.
            let reply = self.core.handle(&user_key(c.user.id), &n.to_string()).await;
            let out = self.layout(c.user.id.get(), &reply);
            let ephemeral = c.guild_id.is_some() && (reply.private || reply.error);
            let msg = CreateInteractionResponse::Message(message(&out, ephemeral));
            let callback = Target::Callback(c.id, &c.token);
            if let Err(e) = self.delivery.send(&ctx.http, callback, &msg).await {
                warn!("cannot answer a choice: {e}");
                self.tell_by_dm(ctx, c.user.id, c.id.get(), None).await;
            }
            return;
        }
        let (key, index) = match (
            more::parse(&c.data.custom_id),
            paging::parse_button(&c.data.custom_id),
        ) {
            // "More" opens the full card on its first page.
            (Some(key), _) => (key, 0),
            (None, Some(at)) => at,
            (None, None) => return,
        };
        let msg = match self.pages.get(key, c.user.id.get()) {
            Ok(pages) => match pages.get(index) {
                Some(page) => CreateInteractionResponse::UpdateMessage(message(
                    &Outgoing {
                        page: page.clone(),
                        buttons: paging::buttons(key, index, pages.len()),
                    },
                    false,
                )),
                None => CreateInteractionResponse::Message(message(
                    &Outgoing {
                        page: render::notice(&paging::PagingError::Expired.to_string()),
                        buttons: Vec::new(),
                    },
                    true,
                )),
            },
            Err(e) => CreateInteractionResponse::Message(message(
                &Outgoing {
                    page: render::notice(&e.to_string()),
                    buttons: Vec::new(),
                },
                true,
            )),
        };
        let callback = Target::Callback(c.id, &c.token);
        if let Err(e) = self.delivery.send(&ctx.http, callback, &msg).await {
            warn!("cannot turn the page: {e}");
            self.tell_by_dm(ctx, c.user.id, c.id.get(), None).await;
        }
    }

    async fn on_message(&self, ctx: &Context, msg: &Message) {
        if msg.author.bot {
            return;
        }
        let me = self.me.load(Ordering::Relaxed);
        let in_guild = msg.guild_id.is_some();
        let mentioned = me != 0 && msg.mentions.iter().any(|u| u.id.get() == me);
        let prefix = self.message_content.then_some(self.prefix.as_str());
        let Some(text) = route_message(&msg.content, in_guild, mentioned, me, prefix) else {
            return;
        };
        let reply = self.core.handle(&user_key(msg.author.id), &text).await;
        let out = self.layout(msg.author.id.get(), &reply);
        if in_guild && reply.private {
            let sent = match msg.author.id.create_dm_channel(&ctx.http).await {
                Ok(dm) => {
                    let m = create(&out, None, nonce(msg.id.get(), 'd'));
                    self.delivery
                        .send(&ctx.http, Target::Channel(dm.id), &m)
                        .await
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            let notice = match sent {
                Ok(()) => "🔒 已私信你：商机数据不在频道里显示。\nSent to you by DM: deal data stays out of the channel.",
                Err(e) => {
                    debug!("cannot DM the author: {e}");
                    "🔒 这是你的私密商机数据，但我无法私信你。请用斜杠命令（仅你可见），或允许服务器成员私信你。\n\
                     This is your private deal data and I cannot DM you. Use the slash command \
                     (only you see the answer) or allow DMs from server members."
                }
            };
            let out = Outgoing {
                page: render::notice(notice),
                buttons: Vec::new(),
            };
            let m = create(&out, Some(msg), nonce(msg.id.get(), 'n'));
            let channel = Target::Channel(msg.channel_id);
            if let Err(e) = self.delivery.send(&ctx.http, channel, &m).await {
                warn!("cannot post in channel: {e}");
            }
            return;
        }
        let reference = in_guild.then_some(msg);
        let m = create(&out, reference, nonce(msg.id.get(), 'a'));
        let channel = Target::Channel(msg.channel_id);
        if let Err(e) = self.delivery.send(&ctx.http, channel, &m).await {
            warn!("cannot answer a message: {e}");
            if in_guild {
                self.tell_by_dm(ctx, msg.author.id, msg.id.get(), None)
                    .await;
            } else {
                // In a DM the same channel is the only way; it may work now.
                let out = Outgoing {
                    page: render::notice(&undelivered_notice(None)),
                    buttons: Vec::new(),
                };
                let m = create(&out, None, nonce(msg.id.get(), 'u'));
                if let Err(e) = self.delivery.send(&ctx.http, channel, &m).await {
                    warn!("cannot say that a DM was not answered: {e}");
                }
            }
        }
    }
}

/// The text to hand to the core for a plain message, or `None` to ignore
/// it. DMs: everything. Guild channels: messages that mention the bot (the
/// mention removed), or that start with `prefix` when the privileged
/// MESSAGE_CONTENT intent is on. A bare mention asks for help.
pub fn route_message(
    content: &str,
    in_guild: bool,
    mentioned: bool,
    me: u64,
    prefix: Option<&str>,
) -> Option<String> {
    let text = if !in_guild {
        content.trim().to_string()
    } else if mentioned {
        content
            .replace(&format!("<@{me}>"), " ")
            .replace(&format!("<@!{me}>"), " ")
            .trim()
            .to_string()
    } else {
        let p = prefix?;
        let c = content.trim_start();
        let head = c.get(..p.len())?;
        if !head.eq_ignore_ascii_case(p) {
            return None;
        }
        let rest = &c[p.len()..];
        if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
            return None;
        }
        rest.trim().to_string()
    };
    if text.is_empty() {
        // An empty DM carries only attachments or stickers; a bare mention is a call for help.
        return in_guild.then(|| "/help".to_string());
    }
    Some(text)
}

fn message(out: &Outgoing, ephemeral: bool) -> CreateInteractionResponseMessage {
    let mut m = CreateInteractionResponseMessage::new()
        .allowed_mentions(no_pings())
        .ephemeral(ephemeral)
        .components(out.buttons.clone());
    match &out.page {
        Page::Text(t) => m = m.content(t).embeds(Vec::new()),
        p => {
            m = m
                .content("")
                .embeds(p.embed_builder().into_iter().collect())
        }
    }
    m
}

fn edit(out: &Outgoing) -> EditInteractionResponse {
    let e = EditInteractionResponse::new()
        .allowed_mentions(no_pings())
        .components(out.buttons.clone());
    match &out.page {
        Page::Text(t) => e.content(t),
        p => e.embeds(p.embed_builder().into_iter().collect()),
    }
}

fn followup(out: &Outgoing, ephemeral: bool) -> CreateInteractionResponseFollowup {
    let f = CreateInteractionResponseFollowup::new()
        .allowed_mentions(no_pings())
        .ephemeral(ephemeral)
        .components(out.buttons.clone());
    match &out.page {
        Page::Text(t) => f.content(t),
        p => f.embeds(p.embed_builder().into_iter().collect()),
    }
}

/// The nonce of a message the bot posts: the id of what it answers and a
/// letter for which of its messages it is. With `enforce_nonce`, Discord
/// drops a retried post that had arrived after all.
fn nonce(answered: u64, which: char) -> String {
    format!("{answered}{which}")
}

fn create(out: &Outgoing, reply_to: Option<&Message>, nonce: String) -> CreateMessage {
    let mut m = CreateMessage::new()
        .allowed_mentions(no_pings())
        .nonce(Nonce::String(nonce))
        .enforce_nonce(true)
        .components(out.buttons.clone());
    if let Some(r) = reply_to {
        m = m.reference_message(r);
    }
    match &out.page {
        Page::Text(t) => m.content(t),
        p => m.embeds(p.embed_builder().into_iter().collect()),
    }
}

#[serenity::async_trait]
impl<C: Core> EventHandler for Handler<C> {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.me.store(ready.user.id.get(), Ordering::Relaxed);
        info!(
            "connected to Discord as {} ({})",
            ready.user.name, ready.user.id
        );
        if !self.registered.swap(true, Ordering::SeqCst) {
            let defs = commands::definitions(self.core.knowledge());
            match Command::set_global_commands(&ctx.http, defs).await {
                Ok(cmds) => info!("registered {} slash commands", cmds.len()),
                Err(e) => {
                    self.registered.store(false, Ordering::SeqCst);
                    warn!("cannot register slash commands: {e}");
                }
            }
        }
    }

    async fn resume(&self, _ctx: Context, _: ResumedEvent) {
        info!("Discord connection resumed");
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let _guard = self.inflight.enter();
        self.on_message(&ctx, &msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let _guard = self.inflight.enter();
        match &interaction {
            Interaction::Command(cmd) => self.on_command(&ctx, cmd).await,
            Interaction::Autocomplete(cmd) => self.on_autocomplete(&ctx, cmd).await,
            Interaction::Component(c) => self.on_component(&ctx, c).await,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_routed_by_place_and_mention() {
        let me = 42;
        assert_eq!(
            route_message("客户嫌贵", false, false, me, None).as_deref(),
            Some("客户嫌贵")
        );
        assert_eq!(route_message("客户嫌贵", true, false, me, None), None);
        assert_eq!(
            route_message("<@42> /deals", true, true, me, None).as_deref(),
            Some("/deals")
        );
        assert_eq!(
            route_message("<@!42>", true, true, me, None).as_deref(),
            Some("/help")
        );
        assert_eq!(
            route_message("!ussbot /case 金鹰", true, false, me, Some("!ussbot")).as_deref(),
            Some("/case 金鹰")
        );
        assert_eq!(
            route_message("!ussbotx hi", true, false, me, Some("!ussbot")),
            None
        );
        assert_eq!(route_message("!ussbot hi", true, false, me, None), None);
        assert_eq!(route_message("   ", false, false, me, None), None);
    }

    #[test]
    fn default_intents_are_not_privileged() {
        assert!(!intents(false).contains(GatewayIntents::MESSAGE_CONTENT));
        assert!(intents(true).contains(GatewayIntents::MESSAGE_CONTENT));
    }
}
