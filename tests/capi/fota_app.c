/* An application written in C against the installed libawsfota (awsfota/aws_fota.h), as one ported
 * from an nRF91 device would be: it owns its MQTT connection (libmosquitto, TLS with the thing's
 * certificate), uses it for its own topic too, and forwards every MQTT event to the library. It runs
 * one update end to end against the local stack, with a "reboot" (aws_fota_deinit(), MQTT closed,
 * then everything started again on the same state folder) between the download and the confirm:
 *
 *   fota_app HOST PORT CA CERT KEY THING STATE_DIR SIGNING_PUB JOB_ID OLD_VERSION NEW_VERSION
 *
 * Exits 0 after DONE of JOB_ID with every check passed; otherwise prints what failed and exits 1.
 * The driver (run.sh) then checks the job's status on the service and the slots on disk. */
#define _POSIX_C_SOURCE 200809L

#include <awsfota/aws_fota.h>
#include <errno.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_EVENTS 512
#define JOB_ID_MAX 65

struct seen_event {
  enum aws_fota_evt_id id;
  int progress;
  int image;
  int cause;
  char job_id[JOB_ID_MAX];
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  struct seen_event events[MAX_EVENTS];
  int n_events;
  int own_messages;     /* the application's own messages that came back (handler returned 1) */
  int fota_messages;    /* messages the library took (handler returned 0) */
  int handler_errors;   /* negative returns for events that should have been accepted */
  bool connected;
  char job_in_callback[JOB_ID_MAX]; /* aws_fota_get_job_id() called from inside the START callback */
} app = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static const char *arg_host, *arg_ca, *arg_cert, *arg_key, *arg_thing, *arg_state, *arg_pub, *arg_job;
static int arg_port;
static char own_topic[256];
static struct mosquitto *mosq;
static struct aws_fota_transport transport;
static int failures;

#define CHECK(cond, ...)                              \
  do {                                                \
    if (!(cond)) {                                    \
      fprintf(stderr, "fota_app: FAILED: " __VA_ARGS__); \
      fprintf(stderr, " (%s:%d)\n", __FILE__, __LINE__); \
      failures++;                                     \
    }                                                 \
  } while (0)

static const char *evt_name(enum aws_fota_evt_id id) {
  switch (id) {
    case AWS_FOTA_EVT_START: return "START";
    case AWS_FOTA_EVT_DONE: return "DONE";
    case AWS_FOTA_EVT_ERROR: return "ERROR";
    case AWS_FOTA_EVT_ERASE_PENDING: return "ERASE_PENDING";
    case AWS_FOTA_EVT_ERASE_DONE: return "ERASE_DONE";
    case AWS_FOTA_EVT_DL_PROGRESS: return "DL_PROGRESS";
    case AWS_FOTA_EVT_REBOOT_REQUESTED: return "REBOOT_REQUESTED";
    case AWS_FOTA_EVT_CONFIRMED: return "CONFIRMED";
    case AWS_FOTA_EVT_ROLLED_BACK: return "ROLLED_BACK";
    case AWS_FOTA_EVT_CANCELED: return "CANCELED";
  }
  return "?";
}

/* --- the library's side -------------------------------------------------------------------------- */

static void on_fota_event(const struct aws_fota_event *evt) {
  pthread_mutex_lock(&app.lock);
  if (app.n_events < MAX_EVENTS) {
    struct seen_event *e = &app.events[app.n_events++];
    e->id = evt->id;
    e->progress = evt->dl.progress;
    e->image = (int)evt->image;
    e->cause = (int)evt->error.cause;
    snprintf(e->job_id, sizeof e->job_id, "%s", evt->job_id);
  }
  if (evt->id == AWS_FOTA_EVT_START) {
    /* The library's functions may be called from its own callback. */
    if (aws_fota_get_job_id(app.job_in_callback, sizeof app.job_in_callback) < 0) app.job_in_callback[0] = '\0';
  }
  pthread_cond_broadcast(&app.changed);
  pthread_mutex_unlock(&app.lock);
  printf("event %s job=%s progress=%d image=%d cause=%d %s\n", evt_name(evt->id), evt->job_id, evt->dl.progress,
         (int)evt->image, (int)evt->error.cause, evt->error.message ? evt->error.message : "");
  fflush(stdout);
}

static void on_fota_log(void *user_data, int level, const char *message) {
  (void)user_data;
  if (level >= 2) fprintf(stderr, "fota log %d: %s\n", level, message);
}

static int transport_publish(void *user_data, const char *topic, const void *payload, size_t len, int qos) {
  return mosquitto_publish(user_data, NULL, topic, (int)len, payload, qos, false) == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

static int transport_subscribe(void *user_data, const char *filter, int qos) {
  return mosquitto_subscribe(user_data, NULL, filter, qos) == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

/* --- the MQTT client's callbacks (libmosquitto's thread) --------------------------------------------- */

static void forward(enum aws_fota_mqtt_evt_type type, const struct mosquitto_message *msg) {
  struct aws_fota_mqtt_evt evt = {.type = type};
  if (msg) {
    evt.topic = msg->topic;
    evt.payload = msg->payload;
    evt.payload_len = (size_t)msg->payloadlen;
  }
  const int mine = aws_fota_mqtt_evt_handler(&transport, &evt);
  pthread_mutex_lock(&app.lock);
  if (mine < 0 && mine != -ENODEV) app.handler_errors++; /* -ENODEV: the library is down for the "reboot" */
  if (type == AWS_FOTA_MQTT_EVT_PUBLISH && mine == 0) app.fota_messages++;
  if (type == AWS_FOTA_MQTT_EVT_PUBLISH && mine == 1 && strcmp(msg->topic, own_topic) == 0) app.own_messages++;
  if (type == AWS_FOTA_MQTT_EVT_CONNECTED) app.connected = true;
  if (type == AWS_FOTA_MQTT_EVT_DISCONNECTED) app.connected = false;
  pthread_cond_broadcast(&app.changed);
  pthread_mutex_unlock(&app.lock);
}

static void on_connect(struct mosquitto *m, void *obj, int rc) {
  (void)obj;
  if (rc != 0) {
    fprintf(stderr, "fota_app: connection refused: %s\n", mosquitto_connack_string(rc));
    return;
  }
  mosquitto_subscribe(m, NULL, own_topic, 1); /* the application's own topic, on the same connection */
  forward(AWS_FOTA_MQTT_EVT_CONNECTED, NULL);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc) {
  (void)m, (void)obj, (void)rc;
  forward(AWS_FOTA_MQTT_EVT_DISCONNECTED, NULL);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
  (void)m, (void)obj;
  forward(AWS_FOTA_MQTT_EVT_PUBLISH, msg);
}

/* --- waiting ------------------------------------------------------------------------------------------ */

typedef bool (*predicate_t)(const void *arg);

/* True once pred(arg) holds (checked under app.lock), false after `seconds`. */
static bool wait_for(predicate_t pred, const void *arg, int seconds) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += seconds;
  pthread_mutex_lock(&app.lock);
  bool ok = pred(arg);
  while (!ok && pthread_cond_timedwait(&app.changed, &app.lock, &deadline) != ETIMEDOUT) ok = pred(arg);
  ok = pred(arg);
  pthread_mutex_unlock(&app.lock);
  return ok;
}

static bool is_connected(const void *arg) {
  (void)arg;
  return app.connected;
}

static bool own_messages_reach(const void *arg) { return app.own_messages >= *(const int *)arg; }

static int index_of(enum aws_fota_evt_id id, int from) {
  for (int i = from; i < app.n_events; i++)
    if (app.events[i].id == id) return i;
  return -1;
}

static bool event_seen(const void *arg) { return index_of(*(const enum aws_fota_evt_id *)arg, 0) >= 0; }

/* --- boot and shutdown ------------------------------------------------------------------------------- */

static void boot(const char *running_version) {
  mosq = mosquitto_new(arg_thing, true, NULL);
  CHECK(mosq != NULL, "mosquitto_new");
  CHECK(mosquitto_tls_set(mosq, arg_ca, NULL, arg_cert, arg_key, NULL) == MOSQ_ERR_SUCCESS, "mosquitto_tls_set");
  mosquitto_connect_callback_set(mosq, on_connect);
  mosquitto_disconnect_callback_set(mosq, on_disconnect);
  mosquitto_message_callback_set(mosq, on_message);

  const struct aws_fota_config config = {
      .state_dir = arg_state,
      .slot_size = 4u << 20,
      .running_version = running_version,
      .ca_file = arg_ca,
      .signing_key_file = arg_pub,
      .commit_interval = 64u << 10,
      .log = on_fota_log,
  };
  transport = (struct aws_fota_transport){
      .client_id = arg_thing, .user_data = mosq, .publish = transport_publish, .subscribe = transport_subscribe};
  CHECK(aws_fota_configure(&config) == 0, "aws_fota_configure: %s", aws_fota_last_error());
  const int err = aws_fota_init(&transport, on_fota_event);
  CHECK(err == 0, "aws_fota_init: %d %s", err, aws_fota_last_error());

  CHECK(mosquitto_connect(mosq, arg_host, arg_port, 30) == MOSQ_ERR_SUCCESS, "mosquitto_connect");
  CHECK(mosquitto_loop_start(mosq) == MOSQ_ERR_SUCCESS, "mosquitto_loop_start");
  CHECK(wait_for(is_connected, NULL, 20), "not connected within 20 s");
}

/* A reboot's first half: the library stops first (it publishes through the connection), then MQTT. */
static void shutdown_device(void) {
  CHECK(aws_fota_deinit() == 0, "aws_fota_deinit: %s", aws_fota_last_error());
  mosquitto_disconnect(mosq);
  mosquitto_loop_stop(mosq, false);
  mosquitto_destroy(mosq);
  mosq = NULL;
  pthread_mutex_lock(&app.lock);
  app.connected = false;
  pthread_mutex_unlock(&app.lock);
}

/* The application's own traffic on the shared connection: it must come back to the application. */
static void own_round_trip(const char *text) {
  pthread_mutex_lock(&app.lock);
  const int want = app.own_messages + 1;
  pthread_mutex_unlock(&app.lock);
  CHECK(mosquitto_publish(mosq, NULL, own_topic, (int)strlen(text), text, 1, false) == MOSQ_ERR_SUCCESS,
        "publish on %s", own_topic);
  CHECK(wait_for(own_messages_reach, &want, 10), "the application's own message on %s never came back to it",
        own_topic);
}

/* --- the update ---------------------------------------------------------------------------------------- */

static void check_download_events(void) {
  pthread_mutex_lock(&app.lock);
  const int start = index_of(AWS_FOTA_EVT_START, 0);
  const int reboot = index_of(AWS_FOTA_EVT_REBOOT_REQUESTED, 0);
  CHECK(start == 0, "START is not the first event (at %d)", start);
  CHECK(start >= 0 && strcmp(app.events[start].job_id, arg_job) == 0, "START names another job");
  CHECK(strcmp(app.job_in_callback, arg_job) == 0, "aws_fota_get_job_id() in the START callback gave '%s'",
        app.job_in_callback);
  int last = -1, steps = 0;
  for (int i = 0; i < app.n_events; i++) {
    if (app.events[i].id != AWS_FOTA_EVT_DL_PROGRESS) continue;
    CHECK(i > start && i < reboot, "DL_PROGRESS outside START..REBOOT_REQUESTED (event %d)", i);
    CHECK(app.events[i].progress > last, "DL_PROGRESS went from %d to %d", last, app.events[i].progress);
    last = app.events[i].progress;
    steps++;
  }
  CHECK(last == 100, "the last DL_PROGRESS is %d, not 100", last);
  CHECK(steps >= 10, "only %d DL_PROGRESS events for a 512 KiB image", steps);
  CHECK(index_of(AWS_FOTA_EVT_ERROR, 0) < 0, "an ERROR event");
  CHECK(index_of(AWS_FOTA_EVT_DONE, 0) < 0, "DONE before the reboot and the confirm");
  printf("download: START, %d DL_PROGRESS up to %d%%, REBOOT_REQUESTED\n", steps, last);
  pthread_mutex_unlock(&app.lock);
}

static void check_job_id(void) {
  char id[JOB_ID_MAX], small[3] = "xy";
  const int len = aws_fota_get_job_id(id, sizeof id);
  CHECK(len == (int)strlen(arg_job) && strcmp(id, arg_job) == 0, "aws_fota_get_job_id: %d '%s'", len,
        len >= 0 ? id : "");
  CHECK(aws_fota_get_job_id(small, sizeof small) == -ENOMEM && small[0] == '\0', "a 3-byte buffer is not -ENOMEM");
  CHECK(aws_fota_get_job_id(id, strlen(arg_job)) == -ENOMEM, "a buffer without room for the NUL is not -ENOMEM");
}

static void first_boot(const char *old_version) {
  boot(old_version);
  CHECK(aws_fota_get_boot_outcome() == AWS_FOTA_BOOT_NORMAL, "first boot outcome %d", aws_fota_get_boot_outcome());
  own_round_trip("before the update");
  const enum aws_fota_evt_id reboot = AWS_FOTA_EVT_REBOOT_REQUESTED;
  CHECK(wait_for(event_seen, &reboot, 120), "no REBOOT_REQUESTED within 120 s");
  own_round_trip("during the update");
  check_download_events();
  check_job_id();
  CHECK(aws_fota_confirm() == -EPERM, "aws_fota_confirm() on a normal boot is not -EPERM");
  pthread_mutex_lock(&app.lock);
  CHECK(app.fota_messages > 0, "the library consumed no MQTT message");
  pthread_mutex_unlock(&app.lock);
  shutdown_device();
}

static void second_boot(const char *new_version) {
  pthread_mutex_lock(&app.lock);
  const int before = app.n_events;
  pthread_mutex_unlock(&app.lock);
  boot(new_version);
  CHECK(aws_fota_get_boot_outcome() == AWS_FOTA_BOOT_TRIAL, "second boot outcome %d, not TRIAL",
        aws_fota_get_boot_outcome());
  own_round_trip("self-test"); /* the application's self-test: its own MQTT traffic works */
  check_job_id();              /* the job is known again from the checkpoint */
  CHECK(aws_fota_confirm() == 0, "aws_fota_confirm: %s", aws_fota_last_error());
  const enum aws_fota_evt_id done = AWS_FOTA_EVT_DONE;
  CHECK(wait_for(event_seen, &done, 60), "no DONE within 60 s of the confirm");
  pthread_mutex_lock(&app.lock);
  const int confirmed = index_of(AWS_FOTA_EVT_CONFIRMED, before);
  const int done_at = index_of(AWS_FOTA_EVT_DONE, before);
  CHECK(confirmed >= 0 && confirmed < done_at, "CONFIRMED (%d) does not come before DONE (%d)", confirmed, done_at);
  if (done_at >= 0) {
    CHECK(app.events[done_at].image == AWS_FOTA_IMAGE_MCUBOOT, "DONE image %d", app.events[done_at].image);
    CHECK(strcmp(app.events[done_at].job_id, arg_job) == 0, "DONE names job '%s'", app.events[done_at].job_id);
  }
  CHECK(index_of(AWS_FOTA_EVT_ERROR, 0) < 0, "an ERROR event");
  CHECK(app.handler_errors == 0, "aws_fota_mqtt_evt_handler failed %d times", app.handler_errors);
  pthread_mutex_unlock(&app.lock);
  shutdown_device();
}

int main(int argc, char **argv) {
  if (argc != 12) {
    fprintf(stderr, "usage: fota_app HOST PORT CA CERT KEY THING STATE_DIR SIGNING_PUB JOB_ID OLD_VERSION NEW_VERSION\n");
    return 2;
  }
  arg_host = argv[1], arg_port = atoi(argv[2]), arg_ca = argv[3], arg_cert = argv[4], arg_key = argv[5];
  arg_thing = argv[6], arg_state = argv[7], arg_pub = argv[8], arg_job = argv[9];
  snprintf(own_topic, sizeof own_topic, "$aws/things/%s/app/echo", arg_thing);
  setvbuf(stdout, NULL, _IOLBF, 0);
  mosquitto_lib_init();

  first_boot(argv[10]);
  if (failures == 0) second_boot(argv[11]);

  mosquitto_lib_cleanup();
  pthread_mutex_lock(&app.lock);
  printf("own messages routed back to the application: %d; messages the library consumed: %d\n", app.own_messages,
         app.fota_messages);
  pthread_mutex_unlock(&app.lock);
  if (failures) {
    fprintf(stderr, "fota_app: %d check(s) failed\n", failures);
    return 1;
  }
  printf("fota_app ok: job %s done through the C API\n", arg_job);
  return 0;
}
