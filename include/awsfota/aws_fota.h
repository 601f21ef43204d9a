/* libawsfota's C API, shaped like the nRF Connect SDK "AWS FOTA" library (aws_fota.h) for
 * applications ported from nRF91 devices to Linux. The application owns the MQTT connection, as on
 * nRF91: it hands the library a transport (how to publish and subscribe on that connection), forwards
 * every MQTT event to aws_fota_mqtt_evt_handler(), and handles itself what the library says is not
 * its own. Everything else (downloads over HTTPS with curl, the slot files, the boot record, the
 * checkpoint that survives a power loss, timers) runs inside the library on a thread of its own.
 *
 *   static int pub(void *ctx, const char *topic, const void *payload, size_t len, int qos) {
 *     return mosquitto_publish(ctx, NULL, topic, (int)len, payload, qos, false) == MOSQ_ERR_SUCCESS ? 0 : -EIO;
 *   }
 *   static int sub(void *ctx, const char *filter, int qos) {
 *     return mosquitto_subscribe(ctx, NULL, filter, qos) == MOSQ_ERR_SUCCESS ? 0 : -EIO;
 *   }
 *   static void on_fota(const struct aws_fota_event *evt) {
 *     if (evt->id == AWS_FOTA_EVT_DL_PROGRESS) printf("%d%%\n", evt->dl.progress);
 *     if (evt->id == AWS_FOTA_EVT_REBOOT_REQUESTED) request_reboot();
 *   }
 *   struct aws_fota_config cfg = {.state_dir = "/var/lib/app/fota", .slot_size = 64u << 20,
 *                                 .running_version = "v1.0.0", .ca_file = "/etc/app/ca.pem"};
 *   struct aws_fota_transport transport = {.client_id = "sensor-7", .user_data = mosq,
 *                                          .publish = pub, .subscribe = sub};
 *   aws_fota_configure(&cfg);
 *   aws_fota_init(&transport, on_fota);   // before connecting; it runs the boot step
 *   // in the MQTT client's callbacks:
 *   struct aws_fota_mqtt_evt evt = {.type = AWS_FOTA_MQTT_EVT_PUBLISH, .topic = msg->topic,
 *                                   .payload = msg->payload, .payload_len = (size_t)msg->payloadlen};
 *   if (aws_fota_mqtt_evt_handler(&transport, &evt) == 1) handle_own_message(msg);
 *   // after the reboot into the new image, once the application works:
 *   if (aws_fota_get_boot_outcome() == AWS_FOTA_BOOT_TRIAL && self_test_ok()) aws_fota_confirm();
 *
 * Return values: 0 (or a length, where said) on success, a negative errno value on failure:
 *   -EINVAL    an argument is NULL, empty or out of range (aws_fota_last_error() names it)
 *   -ENOMEM    the caller's buffer is too small (aws_fota_get_job_id), or memory ran out
 *   -ENODEV    the library is not initialized (aws_fota_init() has not succeeded)
 *   -ENOENT    aws_fota_init() before aws_fota_configure()
 *   -EALREADY  aws_fota_init() while initialized (aws_fota_deinit() first)
 *   -EPERM     aws_fota_confirm() / aws_fota_reject() when the running image is not on trial
 *   -EDEADLK   aws_fota_configure() / aws_fota_init() / aws_fota_deinit() from inside the event callback
 *   -EIO       aws_fota_init() could not open or create something it was configured with (a slot
 *              file, the state folder, the signing key, the boot record): see aws_fota_last_error()
 *
 * Threading: the library runs the update on a thread it starts in aws_fota_init() and joins in
 * aws_fota_deinit(). The event callback and the transport's publish()/subscribe() are called on that
 * thread, one at a time. Every function here may be called from any thread (the MQTT client's, the
 * application's, the callback itself), except that aws_fota_configure(), aws_fota_init() and
 * aws_fota_deinit() must not run at the same time as any other call, and not from the callback.
 */
#ifndef AWSFOTA_AWS_FOTA_H_
#define AWSFOTA_AWS_FOTA_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Events, in the reference's order and values; awsfota's additions follow. */
enum aws_fota_evt_id {
  AWS_FOTA_EVT_START,          /* a job was taken (or resumed after a restart): the download begins */
  AWS_FOTA_EVT_DONE,           /* SUCCEEDED was reported and accepted, after the new image was confirmed
                                  (the reference: after the download). image: what was installed */
  AWS_FOTA_EVT_ERROR,          /* something failed: error.cause and error.message say what; a job that
                                  fails is reported FAILED with that cause */
  AWS_FOTA_EVT_ERASE_PENDING,  /* the staging area is being erased (can take a while) */
  AWS_FOTA_EVT_ERASE_DONE,     /* the staging area is erased */
  AWS_FOTA_EVT_DL_PROGRESS,    /* dl.progress: 0..100, once per whole percent received */
  AWS_FOTA_EVT_REBOOT_REQUESTED, /* the image is verified and scheduled for a trial boot: reboot now
                                    (the library never reboots by itself). Also after a failed trial
                                    (error.cause set) to go back. */
  AWS_FOTA_EVT_CONFIRMED,      /* the running new image was confirmed; DONE follows once reported */
  AWS_FOTA_EVT_ROLLED_BACK,    /* the device came back on its old image after a trial */
  AWS_FOTA_EVT_CANCELED,       /* the job ended without an outcome from this device (canceled in the
                                  cloud or by aws_fota_cancel()); staged data was dropped */
};

/* Image kinds; the first three have the reference's dfu_target_image_type values. */
enum aws_fota_image_type {
  AWS_FOTA_IMAGE_UNKNOWN = 0,
  AWS_FOTA_IMAGE_MCUBOOT = 1,
  AWS_FOTA_IMAGE_MODEM_DELTA = 2,
  AWS_FOTA_IMAGE_FULL_MODEM = 4,
  AWS_FOTA_IMAGE_APP_DELTA = 8,
};

/* Why a job failed (statusDetails.cause in the cloud); the first eight are the reference's. */
enum aws_fota_error_cause {
  AWS_FOTA_ERROR_NONE = 0,
  AWS_FOTA_ERROR_CONNECT_FAILED,
  AWS_FOTA_ERROR_DOWNLOAD_FAILED,
  AWS_FOTA_ERROR_INVALID_UPDATE,
  AWS_FOTA_ERROR_TYPE_MISMATCH,
  AWS_FOTA_ERROR_INTERNAL,
  AWS_FOTA_ERROR_DFU,
  AWS_FOTA_ERROR_PROTO_NOT_SUPPORTED,
  AWS_FOTA_ERROR_INVALID_CONFIGURATION,
  AWS_FOTA_ERROR_HASH_MISMATCH,
  AWS_FOTA_ERROR_SIGNATURE_INVALID,
  AWS_FOTA_ERROR_SIZE_MISMATCH,
  AWS_FOTA_ERROR_NO_SPACE,
  AWS_FOTA_ERROR_URL_EXPIRED,
  AWS_FOTA_ERROR_ROLLED_BACK,
  AWS_FOTA_ERROR_SELF_TEST_FAILED,
  AWS_FOTA_ERROR_CANCELED,
};

struct aws_fota_event_dl {
  int progress; /* percent, 0..100 */
};

struct aws_fota_event_error {
  enum aws_fota_error_cause cause;
  const char *message; /* a sentence for people; valid during the callback only */
};

/* Valid during the callback only: copy what must outlive it. */
struct aws_fota_event {
  enum aws_fota_evt_id id;
  struct aws_fota_event_dl dl;       /* DL_PROGRESS */
  enum aws_fota_image_type image;    /* DONE (UNKNOWN when the version was already installed) */
  struct aws_fota_event_error error; /* ERROR; also ROLLED_BACK, CANCELED and a REBOOT_REQUESTED that goes back */
  const char *job_id;                /* the job the event is about; "" when none */
};

typedef void (*aws_fota_callback_t)(const struct aws_fota_event *evt);

/* The application's MQTT connection, as the library uses it (the reference's struct mqtt_client).
 * publish() and subscribe() queue the packet on the connection and return at once: 0 when queued,
 * anything else when not (not connected). The library needs no answer: an unanswered request is sent
 * again after a while and on every AWS_FOTA_MQTT_EVT_CONNECTED. The strings and the payload belong to
 * the library and are valid during the call only. Order matters: a subscribe() made before a
 * publish() must reach the broker before it (any MQTT client that sends in call order does this). */
struct aws_fota_transport {
  const char *client_id; /* the thing name (the reference takes it from mqtt_client.client_id) */
  void *user_data;       /* passed back to publish() and subscribe() */
  int (*publish)(void *user_data, const char *topic, const void *payload, size_t payload_len, int qos);
  int (*subscribe)(void *user_data, const char *topic_filter, int qos);
};

/* What the application forwards from its MQTT client (the reference's struct mqtt_evt). */
enum aws_fota_mqtt_evt_type {
  AWS_FOTA_MQTT_EVT_CONNECTED,    /* the connection is up (CONNACK accepted), also after a reconnect */
  AWS_FOTA_MQTT_EVT_DISCONNECTED, /* the connection is down */
  AWS_FOTA_MQTT_EVT_PUBLISH,      /* a message arrived: topic, payload, payload_len */
};

struct aws_fota_mqtt_evt {
  enum aws_fota_mqtt_evt_type type;
  const char *topic;   /* PUBLISH: NUL-terminated */
  const void *payload; /* PUBLISH: may be NULL when payload_len is 0 */
  size_t payload_len;
};

/* The Linux device: what the reference sets in Kconfig and the DFU target's configuration. Fields
 * left 0 or NULL take the default named. Strings are copied by aws_fota_configure(). */
struct aws_fota_config {
  const char *state_dir;       /* required: folder of the checkpoint, the boot record ("boot.state")
                                  and the staging record; created when missing */
  const char *slot_a;          /* the two application slots, files or block devices; default
                                  <state_dir>/slot-a.img and slot-b.img (files are created) */
  const char *slot_b;
  uint64_t slot_size;          /* required: bytes per slot */
  const char *delta_staging;   /* where application deltas are staged; NULL: no delta updates */
  const char *running_version; /* the running firmware's version ("v1.0.0"); a job for the same
                                  version is reported SUCCEEDED without a download. NULL: none */
  const char *ca_file;         /* CA certificates (PEM) for HTTPS downloads; NULL: the system's */
  const char *signing_key_file; /* PEM public key; when set every image must be signed by it.
                                   NULL: images are checked by hash only */
  int allow_plain_http;        /* nonzero: http:// locations also for jobs without a sha256 */
  uint32_t confirm_timeout_s;  /* a trial image must be confirmed within this; 0: 300 */
  uint32_t commit_interval;    /* bytes between durable checkpoints of a download; 0: 1 MiB */
  int skip_boot_step;          /* 0: aws_fota_init() is the device's boot and runs the boot step
                                  (switch to a scheduled trial, go back from an unconfirmed one);
                                  nonzero: a launcher already ran it (awsfota-boot) */
  /* Optional log lines (level: 0 debug, 1 info, 2 warning, 3 error, 4 bug), on the library's thread. */
  void (*log)(void *log_user_data, int level, const char *message);
  void *log_user_data;
};

/* What the boot record said at aws_fota_init(). */
enum aws_fota_boot_outcome {
  AWS_FOTA_BOOT_NORMAL,         /* a confirmed image runs */
  AWS_FOTA_BOOT_TRIAL_PENDING,  /* a trial is scheduled but this is not yet the reboot into it */
  AWS_FOTA_BOOT_TRIAL,          /* a new image runs on trial: aws_fota_confirm() or aws_fota_reject() */
  AWS_FOTA_BOOT_REVERTED,       /* the previous image runs again after an unconfirmed trial */
  AWS_FOTA_BOOT_REVERT_PENDING, /* a rejected trial image still runs; the next boot goes back */
};

/* Sets the configuration aws_fota_init() uses (copied). -EINVAL: config NULL, no state_dir, slot_size 0. */
int aws_fota_configure(const struct aws_fota_config *config);

/* Starts the library on `transport` (copied; only client_id, user_data and the functions are kept):
 * runs the boot step unless skipped, opens the slots, the boot record and the checkpoint, and starts
 * the library's thread, which resumes a job the checkpoint holds. Call it before connecting, then
 * forward AWS_FOTA_MQTT_EVT_CONNECTED. -EINVAL: transport, a function of it or evt_handler NULL, or
 * client_id not a valid thing name; -ENOENT: not configured; -EALREADY; -EIO (aws_fota_last_error()). */
int aws_fota_init(const struct aws_fota_transport *transport, aws_fota_callback_t evt_handler);

/* Stops the library's thread and the download and releases everything; the checkpoint stays, as after
 * a power loss at this moment. aws_fota_deinit() followed by aws_fota_init() is a reboot.
 * 0, or -ENODEV when not initialized, -EDEADLK from the callback. */
int aws_fota_deinit(void);

/* Forwards one MQTT event. Returns 0 when it was the library's (a Jobs topic of this thing: do not
 * handle it), 1 when it is the application's (any other topic, and the connection events, which the
 * library has taken note of and the application also needs), or -EINVAL (evt NULL, a PUBLISH without
 * topic, a payload NULL with payload_len > 0, transport not the one given to aws_fota_init()), -ENODEV. */
int aws_fota_mqtt_evt_handler(const struct aws_fota_transport *transport, const struct aws_fota_mqtt_evt *evt);

/* Copies the id of the current job, NUL-terminated, into job_id_buf: the job the last event was
 * about (kept after it ends, until the next job starts), "" before any. Returns its length (0 for
 * none); -EINVAL (buffer NULL or buf_size 0), -ENOMEM (buf_size not more than the length: the buffer
 * then holds ""), -ENODEV. */
int aws_fota_get_job_id(char *job_id_buf, size_t buf_size);

/* The boot outcome found at aws_fota_init() (enum aws_fota_boot_outcome), or -ENODEV. */
int aws_fota_get_boot_outcome(void);

/* The application's verdict on a trial image (what the reference leaves to the application):
 * confirm keeps it (CONFIRMED, then DONE once SUCCEEDED is accepted); reject reports the job FAILED
 * SELF_TEST_FAILED with `reason` and asks for the reboot back (REBOOT_REQUESTED). Asynchronous: 0
 * when queued. -EPERM when the boot outcome is not AWS_FOTA_BOOT_TRIAL, -EINVAL (reason NULL), -ENODEV. */
int aws_fota_confirm(void);
int aws_fota_reject(const char *reason);

/* Gives up the job in hand: the download stops, staged data is dropped, the job is reported FAILED
 * with cause CANCELED and AWS_FOTA_EVT_CANCELED follows. Asynchronous: 0 when queued (nothing happens
 * when no job is in hand); -ENODEV. */
int aws_fota_cancel(void);

/* A sentence about the last failure of a call on this thread ("" when none). */
const char *aws_fota_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* AWSFOTA_AWS_FOTA_H_ */
