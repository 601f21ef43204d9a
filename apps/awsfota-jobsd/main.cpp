// awsfota-jobsd: the local AWS IoT Jobs service. Carries MQTT messages between the broker and the
// service core, serves the control-plane REST API on loopback, and drives the timeout clock.
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "awsfota/adapters/mosquitto/client.hpp"
#include "awsfota/jobs/topics.hpp"
#include "command_line.hpp"
#include "jobsd/control_auth.hpp"
#include "jobsd/rest_api.hpp"
#include "jobsd/service.hpp"
#include "jobsd_sqlite/sqlite_store.hpp"
#include "sigv4/openssl_primitives.hpp"
#include "web_view.hpp"

namespace {

namespace mqtt = awsfota::adapters::mosquitto;
using namespace awsfota::jobsd;

constexpr const char* kDescription = R"help(awsfota-jobsd: a local AWS IoT Jobs service.

Connects to an MQTT broker as a privileged client and answers the AWS IoT Jobs device API for every
thing ($aws/things/+/jobs/...): get, start-next, J/get ($next too), J/update, with notify and
notify-next. Serves the AWS IoT control plane (create-job, cancel-job, describe-job-execution, ...)
on http://127.0.0.1:HTTP_PORT for `aws iot ... --endpoint-url`. Keeps its state in SQLite (WAL),
so a restart loses nothing. Logs one line per request to stderr. With --web, also serves a read-only
live fleet view (jobs, counts over time, rollout, failed things) at http://127.0.0.1:HTTP_PORT/ui/.

Every control-plane request must be SigV4-signed (signing name iot or execute-api, the --region
scope, within 5 minutes of the service's clock) with a key pair of --credentials-file, a file in the
format of ~/.aws/credentials ([profile] aws_access_key_id = ..., aws_secret_access_key = ...; several
profiles: several keys). Refusals answer as AWS does: MissingAuthenticationTokenException,
UnrecognizedClientException (unknown key), InvalidSignatureException (wrong secret, signature expired),
all HTTP 403. --anonymous turns the check off (logged at start). Each account gets
--api-requests-per-second (default 10, AWS's rate for the IoT Jobs APIs; bursts of as many); more
answer ThrottlingException (HTTP 400), which the AWS CLI retries. The service acts only in its own
--account and --region: target ARNs of another are refused with InvalidRequestException.

Example (as scripts/stack runs it):
  awsfota-jobsd --db run/stack-a/jobsd.db --mqtt-port 8883 --ca run/stack-a/pki/ca.pem \
      --cert run/stack-a/pki/jobsd.pem --key run/stack-a/pki/jobsd.key --http-port 8080 \
      --files-url https://127.0.0.1:8443 --documents-url http://127.0.0.1:8081 \
      --link-secret-file run/stack-a/link-secret --credentials-file run/stack-a/credentials \
      --account 101220704766 --region us-east-1 --link-style aws
  eval "$(scripts/stack env)"   # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ACCOUNT_ID
  aws iot list-things --endpoint-url http://127.0.0.1:8080
)help";

constexpr const char* kFooter = R"(Exit codes: 0 stopped (SIGTERM/SIGINT); 1 the database, the broker or the REST port failed;
2 bad command line or options (an unknown option, a bad value, --files-url without a secret,
unusable TLS files, neither --credentials-file nor --anonymous, an unreadable credentials file,
a --web-root without the page's files).)";

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::mutex g_log_mutex;
void log_line(const std::string& line) {
  const std::int64_t ms = now_ms();
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(g_log_mutex);
  std::fprintf(stderr, "%s.%03dZ awsfota-jobsd: %s\n", stamp, static_cast<int>(ms % 1000), line.c_str());
  std::fflush(stderr);
}

struct Options {
  std::string db;
  std::string mqtt_host = "127.0.0.1";
  int mqtt_port = 8883;
  std::string client_id = "awsfota-jobsd";
  std::string ca, cert, key;
  int http_port = 8080;
  std::string port_file;
  std::int64_t minute_ms = 60000;
  std::int64_t thing_requests_per_second = 0;
  std::string subscription = "requests";
  std::string files_url;
  std::string documents_url;
  std::string link_secret;
  std::string link_secret_file;
  int connect_timeout_s = 10;
  std::string region = "us-east-1";
  std::string account = "000000000000";
  bool announce_next_on_connect = false;
  std::vector<std::string> credentials_files;
  bool anonymous = false;
  double api_requests_per_second = kAwsJobsApiRequestsPerSecond;
  bool web = false;
  std::string web_root;
  std::string data_endpoint;  // empty: mqtt_host
  std::string link_style = "short";
  std::int64_t job_deletion_ms = 1000;
};

// The service and what its callers (MQTT loop, HTTP threads) share: one lock, and the messages the
// HTTP threads and the timers produced for the MQTT loop to publish (the MQTT client is
// single-threaded). The outbox holds them until the link is up: a create-job made while the service
// is off the broker still reaches its things once it is back.
struct Shared {
  std::mutex mutex;
  std::unique_ptr<Service> service;
  std::deque<OutgoingMessage> outbox;
};

// Takes what the outbox holds; the caller holds shared.mutex.
std::vector<OutgoingMessage> take_outbox(Shared& shared) {
  std::vector<OutgoingMessage> taken(std::make_move_iterator(shared.outbox.begin()),
                                     std::make_move_iterator(shared.outbox.end()));
  shared.outbox.clear();
  return taken;
}

// Publishes `messages` in order. When the link is down, that message and the ones after it go back to
// the front of the outbox (ahead of anything queued meanwhile, so the order holds) for the next pass;
// a message the broker cannot take for another reason is logged and dropped, as a retry would fail
// the same way.
void publish_or_keep(mqtt::Client& client, Shared& shared, std::vector<OutgoingMessage> messages) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto r = client.publish(messages[i].topic, messages[i].payload, 1);
    if (r) continue;
    const bool link_down = r.error().code == mqtt::MqttErrorCode::NotConnected ||
                           r.error().code == mqtt::MqttErrorCode::ConnectionLost;
    if (!link_down) {
      log_line("publish " + messages[i].topic + " failed: " + r.error().message);
      continue;
    }
    std::lock_guard lock(shared.mutex);
    shared.outbox.insert(shared.outbox.begin(), std::make_move_iterator(messages.begin() + static_cast<std::ptrdiff_t>(i)),
                         std::make_move_iterator(messages.end()));
    return;
  }
}

// create-job --document-source: a GET of the mapped path from the local file server (plain paths are
// open there on loopback). Runs under the service lock, as the REST request it belongs to does; a
// local file server answers in milliseconds, and the timeouts bound the rest.
DocumentFetcher document_fetcher(const Options& o) {
  if (o.documents_url.empty()) return {};
  return [base = o.documents_url, ca = o.ca](const std::string& path) -> awsfota::Expected<std::string, std::string> {
    httplib::Client client(base);
    if (!client.is_valid()) return awsfota::unexpected("--documents-url " + base + " is not a usable URL");
    if (!ca.empty()) client.set_ca_cert_path(ca.c_str());
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    auto response = client.Get(path);
    if (!response) return awsfota::unexpected(base + path + ": " + httplib::to_string(response.error()));
    if (response->status != 200) {
      return awsfota::unexpected(base + path + " answered HTTP " + std::to_string(response->status));
    }
    return response->body;
  };
}

// Who may call: ControlAuth (SigV4 against the configured keys, the rate per account), with its own
// lock so that checking a signature does not hold up the service.
struct Gate {
  std::mutex mutex;
  ControlAuth auth;
  awsfota::sigv4::SigV4Primitives primitives = awsfota::sigv4::openssl_sigv4_primitives();
};

// The refusal to answer, or nullopt when the request may go on to the REST API.
std::optional<RestResponse> check_caller(Gate& gate, const httplib::Request& req) {
  awsfota::sigv4::ReceivedRequest received{req.method, req.target, {}, req.body};
  for (const auto& [name, value] : req.headers) received.headers.emplace_back(name, value);
  std::lock_guard lock(gate.mutex);
  return gate.auth.admit(received, now_ms(), gate.primitives);
}

void serve_http(httplib::Server& server, Shared& shared, Gate& gate, const awsfota::jobsd::ArnScope& scope,
                const DocumentFetcher& fetch_document) {
  // Routes registered before these (the fleet view's /ui/, which is read-only and unsigned) match first.
  auto handler = [&shared, &gate, &scope, &fetch_document](const httplib::Request& req, httplib::Response& res) {
    if (auto refusal = check_caller(gate, req)) {
      res.status = refusal->status;
      res.set_header("x-amzn-ErrorType", refusal->error_type);
      res.set_content(refusal->body, "application/json");
      log_line("rest " + req.method + " " + req.path + " -> " + std::to_string(refusal->status) + " " +
               refusal->error_type);
      return;
    }
    RestRequest request{req.method, req.path, {}, req.body};
    for (const auto& [k, v] : req.params) request.query[k] = v;
    RestResponse response;
    {
      std::vector<OutgoingMessage> notifications;
      std::lock_guard lock(shared.mutex);
      response = handle_rest(*shared.service, request, now_ms(), notifications, scope, fetch_document);
      shared.outbox.insert(shared.outbox.end(), notifications.begin(), notifications.end());
    }
    res.status = response.status;
    if (!response.error_type.empty()) res.set_header("x-amzn-ErrorType", response.error_type);
    res.set_content(response.body, "application/json");
    log_line("rest " + req.method + " " + req.path + " -> " + std::to_string(response.status) + " " +
             (response.operation.empty() ? "" : response.operation + " ") + response.error_type);
  };
  server.Get(".*", handler);
  server.Put(".*", handler);
  server.Post(".*", handler);
  server.Delete(".*", handler);
  server.Patch(".*", handler);
}

std::optional<std::string> read_secret(const Options& o) {
  if (!o.link_secret.empty()) return o.link_secret;
  if (o.link_secret_file.empty()) return std::nullopt;
  std::ifstream in(o.link_secret_file);
  std::string secret;
  std::getline(in, secret);
  if (!in && secret.empty()) return std::nullopt;
  return secret;
}

// What the service subscribes to. "requests": the request topics, so that the broker does not echo the
// service's own accepted/rejected replies back to it; one level under jobs/ still brings its own
// notify / notify-next, the price of answering unknown operations ("jobs/bogus") InvalidTopic as AWS
// does. "all": every jobs topic, as before (for comparison; see docs/performance.md).
std::vector<std::string> subscription_filters(const std::string& mode) {
  if (mode == "all") return {awsfota::jobs::all_things_jobs_filter()};
  return {"$aws/things/+/jobs/+", "$aws/things/+/jobs/+/get", "$aws/things/+/jobs/+/update"};
}

// The broker may still be starting (the stack starts it just before): retry until connect_timeout_s.
bool connect_with_retry(mqtt::Client& client, const Options& o) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(o.connect_timeout_s);
  for (;;) {
    auto connected = client.connect(std::chrono::seconds(5));
    if (connected) return true;
    const bool retry = connected.error().code == mqtt::MqttErrorCode::Unreachable ||
                       connected.error().code == mqtt::MqttErrorCode::Timeout;
    if (!retry || std::chrono::steady_clock::now() > give_up || g_stop) {
      log_line(connected.error().message);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Until a signal: MQTT I/O (requests are answered from the message callback), what the HTTP threads
// queued, and timeouts when their time has come.
void serve_mqtt(mqtt::Client& client, Shared& shared) {
  while (!g_stop) {
    (void)client.run_once(std::chrono::milliseconds(20));
    std::vector<OutgoingMessage> pending;
    Reaction timeouts;
    {
      std::lock_guard lock(shared.mutex);
      const auto deadline = shared.service->next_deadline_ms();
      if (deadline && *deadline <= now_ms()) timeouts = shared.service->tick(now_ms());
      shared.outbox.insert(shared.outbox.end(), timeouts.messages.begin(), timeouts.messages.end());
      if (client.connected()) pending = take_outbox(shared);
    }
    for (const auto& line : timeouts.log) log_line(line);
    publish_or_keep(client, shared, std::move(pending));
  }
}

// The control plane's gate from the options: the keys of every --credentials-file, or anonymous.
std::optional<ControlAuthConfig> control_auth_config(const Options& o) {
  ControlAuthConfig config{o.region, o.account, {}, o.anonymous, o.api_requests_per_second};
  if (o.anonymous) {
    log_line("WARNING: --anonymous: the control plane takes requests WITHOUT checking signatures; anyone who "
             "can reach 127.0.0.1:" + std::to_string(o.http_port) + " may create and cancel jobs");
    return config;
  }
  if (o.credentials_files.empty()) {
    log_line("give --credentials-file (the key pairs allowed to call the control plane) or --anonymous");
    return std::nullopt;
  }
  for (const auto& path : o.credentials_files) {
    std::ifstream in(path);
    if (!in) {
      log_line("--credentials-file " + path + ": cannot read it");
      return std::nullopt;
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto keys = parse_credentials_file(text);
    if (!keys) {
      log_line("--credentials-file " + path + ": " + keys.error());
      return std::nullopt;
    }
    config.keys.merge(*keys);
  }
  log_line("control plane: SigV4 with " + std::to_string(config.keys.size()) + " key(s), " +
           (o.api_requests_per_second > 0 ? (std::ostringstream() << o.api_requests_per_second).str() + " requests/s per account"
                                          : std::string("no rate limit")));
  return config;
}

int run(const Options& o) {
  auto auth_config = control_auth_config(o);
  if (!auth_config) return 2;
  Gate gate{{}, ControlAuth(std::move(*auth_config))};
  std::optional<WebView> web;
  if (o.web) {
    auto loaded = WebView::load(o.web_root.empty() ? default_web_root() : std::filesystem::path(o.web_root));
    if (!loaded) {
      log_line(loaded.error());
      return 2;
    }
    web = std::move(*loaded);
  }
  auto store = SqliteStore::open(o.db);
  if (!store) {
    log_line("cannot open the database: " + store.error().message);
    return 1;
  }
  Config config;
  config.minute_ms = o.minute_ms;
  config.thing_requests_per_second = o.thing_requests_per_second;
  config.job_deletion_ms = o.job_deletion_ms;
  if (!o.files_url.empty()) {
    auto secret = read_secret(o);
    if (!secret || secret->empty()) {
      log_line("--files-url needs --link-secret or a readable, non-empty --link-secret-file");
      return 2;
    }
    config.signer = LinkSigner(o.files_url, *secret, o.link_style == "aws" ? LinkStyle::AwsLength : LinkStyle::Short);
  }
  Shared shared;
  auto service = Service::open(**store, config);
  if (!service) {
    log_line("cannot load the state: " + service.error().message);
    return 1;
  }
  shared.service = std::move(*service);

  // A persistent session (clean_session false): AWS's Jobs service is part of the broker and never
  // misses a request, while this one is a client that reconnects after the broker restarts or after
  // its own restart. Meanwhile the broker keeps its subscriptions and queues the devices' requests for
  // it (with the broker's `persistence true`, also across a broker restart), instead of dropping
  // them and leaving each device to its 30 s response timeout.
  mqtt::ClientOptions mo{.host = o.mqtt_host, .port = o.mqtt_port, .client_id = o.client_id, .clean_session = false};
  if (!o.ca.empty()) mo.tls = mqtt::TlsFiles{o.ca, o.cert, o.key};
  auto client = mqtt::Client::create(mo);
  if (!client) {
    log_line(client.error().message);
    return 2;
  }
  mqtt::Client& mqtt_client = **client;
  mqtt_client.on_connection([&shared, announce = o.announce_next_on_connect](bool up, const std::string& reason) {
    log_line(std::string(up ? "mqtt up: " : "mqtt down: ") + reason);
    // AWS sends notify-next only when a thing's next execution changes; devices ask on connect. The
    // re-announcement is a local convenience, off unless asked for, so that a device that relies on
    // it fails here rather than on AWS.
    if (!up || !announce) return;
    std::lock_guard lock(shared.mutex);
    const auto announced = shared.service->announce_next(now_ms());
    shared.outbox.insert(shared.outbox.end(), announced.begin(), announced.end());
  });
  mqtt_client.on_message([&](const std::string& topic, const std::string& payload) {
    // The outbox goes first, taken under the same lock as the request is handled: a notification a
    // REST call queued earlier must not reach a device after the newer state this request produces.
    std::vector<OutgoingMessage> messages;
    std::vector<std::string> log;
    {
      std::lock_guard lock(shared.mutex);
      Reaction reaction = shared.service->handle(topic, payload, now_ms());
      messages = take_outbox(shared);
      messages.insert(messages.end(), std::make_move_iterator(reaction.messages.begin()),
                      std::make_move_iterator(reaction.messages.end()));
      log = std::move(reaction.log);
    }
    for (const auto& line : log) log_line(line);
    publish_or_keep(mqtt_client, shared, std::move(messages));
  });
  for (const auto& filter : subscription_filters(o.subscription)) (void)mqtt_client.subscribe(filter, 1);

  if (!connect_with_retry(mqtt_client, o)) return 1;

  httplib::Server http;
  if (web) web->serve(http, shared.mutex, shared.service, now_ms);  // first: the REST routes below match any path
  const ArnScope scope{o.region, o.account, o.data_endpoint.empty() ? o.mqtt_host : o.data_endpoint};
  const DocumentFetcher fetch_document = document_fetcher(o);
  serve_http(http, shared, gate, scope, fetch_document);
  int http_port = o.http_port;
  if (http_port == 0) {
    http_port = http.bind_to_any_port("127.0.0.1");
  } else if (!http.bind_to_port("127.0.0.1", http_port)) {
    http_port = -1;
  }
  if (http_port <= 0) {
    log_line("cannot listen on 127.0.0.1:" + std::to_string(o.http_port));
    return 1;
  }
  std::thread http_thread([&http] { http.listen_after_bind(); });
  if (!o.port_file.empty()) std::ofstream(o.port_file) << http_port << "\n";
  log_line("ready: mqtt " + o.mqtt_host + ":" + std::to_string(o.mqtt_port) + ", http 127.0.0.1:" +
           std::to_string(http_port) + (web ? ", fleet view http://127.0.0.1:" + std::to_string(http_port) + "/ui/" : "") +
           ", db " + o.db + ", minute " + std::to_string(o.minute_ms) + " ms");

  serve_mqtt(mqtt_client, shared);
  log_line("stopping");
  http.stop();
  http_thread.join();
  mqtt_client.disconnect();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{kDescription, "awsfota-jobsd"};
  app.footer(kFooter);
  awsfota::program::add_version_flag(app);
  app.add_option("--db", o.db, "SQLite database file (created when missing)")->required();
  app.add_option("--mqtt-host", o.mqtt_host, "broker address")->capture_default_str();
  app.add_option("--mqtt-port", o.mqtt_port, "broker port")->capture_default_str();
  app.add_option("--client-id", o.client_id, "MQTT client id (and certificate CN) of the service")->capture_default_str();
  app.add_option("--ca", o.ca, "CA certificate (PEM) of the broker; enables TLS");
  app.add_option("--cert", o.cert, "the service's client certificate (PEM)");
  app.add_option("--key", o.key, "the service's private key (PEM)");
  app.add_option("--http-port", o.http_port, "control-plane REST port on 127.0.0.1 (0: any free port)")->capture_default_str();
  app.add_option("--port-file", o.port_file, "write the REST port here once ready");
  app.add_option("--minute-ms", o.minute_ms, "length of a timeout 'minute' in ms (tests: 1000)")->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3'600'000}));
  app.add_option("--thing-requests-per-second", o.thing_requests_per_second,
                 "device API requests a thing may make per second; more get RequestThrottled (0: no limit)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--subscription", o.subscription,
                 "requests: subscribe to the request topics only; all: to $aws/things/+/jobs/# (receives its own replies)")
      ->capture_default_str()->check(CLI::IsMember({"requests", "all"}));
  app.add_option("--files-url", o.files_url, "file server base URL for presigned-URL placeholders, e.g. https://127.0.0.1:8443");
  app.add_option("--documents-url", o.documents_url,
                 "file server base URL create-job --document-source fetches from, e.g. http://127.0.0.1:8081");
  app.add_option("--link-secret", o.link_secret, "nginx secure_link secret");
  app.add_option("--link-secret-file", o.link_secret_file, "file holding the secure_link secret");
  app.add_option("--connect-timeout", o.connect_timeout_s, "seconds to keep trying to reach the broker at start")->capture_default_str();
  app.add_option("--region", o.region, "region in the ARNs the API returns")->capture_default_str();
  app.add_option("--account", o.account, "account id of the service: in the ARNs it returns and the only one it acts on")
      ->capture_default_str()
      ->check(CLI::Validator([](std::string& v) { return v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos ? std::string() : std::string("must be 12 digits"); }, "ACCOUNT"));
  app.add_option("--data-endpoint", o.data_endpoint,
                 "what describe-endpoint --endpoint-type iot:Data-ATS answers (default: --mqtt-host)");
  app.add_option("--link-style", o.link_style,
                 "presigned links: short (md5, expires) or aws (as long as S3's, with X-Amz-* parameters)")
      ->capture_default_str()
      ->check(CLI::IsMember({"short", "aws"}));
  app.add_option("--job-deletion-ms", o.job_deletion_ms, "how long a deleted job shows DELETION_IN_PROGRESS")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}));
  app.add_flag("--announce-next-on-connect", o.announce_next_on_connect,
               "on each connection to the broker, publish notify-next to every thing with pending work (not "
               "what AWS does: off by default, devices must ask with $next/get or get on connect)");
  app.add_option("--credentials-file", o.credentials_files,
                 "key pairs allowed to call the control plane, in ~/.aws/credentials format (repeatable)")
      ->check(CLI::ExistingFile);
  app.add_flag("--anonymous", o.anonymous, "take control-plane requests without a signature (local experiments only)");
  app.add_option("--api-requests-per-second", o.api_requests_per_second,
                 "control-plane requests per second per account, more get ThrottlingException (0: no limit)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_flag("--web", o.web,
               "serve the read-only live fleet view at http://127.0.0.1:HTTP_PORT/ui/ (unsigned, loopback only)");
  app.add_option("--web-root", o.web_root, "folder of the fleet view's files (default: the installed share/awsfota-jobsd/web)");
  if (auto done = awsfota::program::parse(app, argc, argv)) return *done;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  return run(o);
}
