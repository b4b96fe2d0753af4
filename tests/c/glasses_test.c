/*
 * End-to-end test of the C ABI in ffi/include/glasses.h, written the way a C or Objective-C app
 * would use it.
 *
 * Usage: glasses_test MANIFEST
 *
 * The manifest is written by ffi/tests/c_abi.rs: it names a random-weight model, a test image
 * (PNG plus the same pixels as raw RGB and gray files) and the probabilities glasses-core itself
 * computes for them, so every check here compares the C surface against core on the same input.
 * It also lists the cases of tests/fixtures/golden.json when that file exists (the harness reads
 * the JSON so this program needs no JSON parser).
 *
 * Prints one line per failure and a closing "N passed, N failed" line; exits 1 on any failure.
 * Define GLASSES_TEST_PANIC (for a debug library, or one built with `--features test-panic`) to
 * include the forced-panic check.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glasses.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

/* Checks a status and, on mismatch, shows both names and the library's message. */
#define CHECK_STATUS(got, want, what)                                                         \
    CHECK((got) == (want), "%s: got %s, want %s (last error: %s)", what,                     \
          glasses_status_name((int32_t)(got)), glasses_status_name((int32_t)(want)),         \
          glasses_last_error_message())

#define CHECK_CLOSE(got, want, tol, what) \
    CHECK(fabs((double)(got) - (double)(want)) <= (tol), "%s: %.9f vs %.9f (tol %g)", what, (double)(got), (double)(want), (double)(tol))

/* ---------------------------------------------------------------- manifest */

#define MAX_GOLDEN 64

typedef struct {
    char path[4096];
    double tolerance;
    double probability;
    int has_glasses;
} GoldenCase;

typedef struct {
    char model[4096];
    char bad_contract_model[4096];
    char image_png[4096];
    char rgb_raw[4096];
    char gray_raw[4096];
    char version[4096];
    unsigned width, height;
    double expect_color, expect_gray;
    int bundled_status;
    double bundled_expect;
    int threads, iterations;
    char golden_model[4096];
    char golden_absent[4096];
    GoldenCase golden[MAX_GOLDEN];
    int golden_count;
} Manifest;

static int read_manifest(const char *path, Manifest *m) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    memset(m, 0, sizeof *m);
    m->bundled_expect = -1.0;
    m->threads = 4;
    m->iterations = 8;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char key[64];
        char value[4096];
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%63s %4095[^\n]", key, value) != 2) continue;
#define STR(k) else if (strcmp(key, #k) == 0) snprintf(m->k, sizeof m->k, "%s", value)
        if (0) {
        }
        STR(model);
        STR(bad_contract_model);
        STR(image_png);
        STR(rgb_raw);
        STR(gray_raw);
        STR(version);
        STR(golden_model);
        STR(golden_absent);
#undef STR
        else if (strcmp(key, "width") == 0) m->width = (unsigned)strtoul(value, NULL, 10);
        else if (strcmp(key, "height") == 0) m->height = (unsigned)strtoul(value, NULL, 10);
        else if (strcmp(key, "expect_color") == 0) m->expect_color = strtod(value, NULL);
        else if (strcmp(key, "expect_gray") == 0) m->expect_gray = strtod(value, NULL);
        else if (strcmp(key, "bundled_status") == 0) m->bundled_status = atoi(value);
        else if (strcmp(key, "bundled_expect") == 0) m->bundled_expect = strtod(value, NULL);
        else if (strcmp(key, "threads") == 0) m->threads = atoi(value);
        else if (strcmp(key, "iterations") == 0) m->iterations = atoi(value);
        else if (strcmp(key, "golden") == 0 && m->golden_count < MAX_GOLDEN) {
            /* golden TOLERANCE HAS_GLASSES PROBABILITY PATH */
            GoldenCase *g = &m->golden[m->golden_count];
            if (sscanf(value, "%lf %d %lf %4095[^\n]", &g->tolerance, &g->has_glasses, &g->probability, g->path) == 4)
                m->golden_count++;
        }
    }
    fclose(f);
    return 0;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = (size_t)size;
    return data;
}

/* ---------------------------------------------------------------- checks */

static void test_version_and_names(const Manifest *m) {
    const char *v = glasses_version();
    CHECK(v != NULL && strcmp(v, m->version) == 0, "version %s, want %s", v ? v : "(null)", m->version);
    CHECK(strcmp(glasses_status_name(GLASSES_STATUS_OK), "GLASSES_STATUS_OK") == 0, "status name");
    CHECK(strcmp(glasses_status_name(GLASSES_STATUS_PANIC), "GLASSES_STATUS_PANIC") == 0, "status name");
    CHECK(strcmp(glasses_status_name(-7), "GLASSES_STATUS_UNKNOWN") == 0, "unknown status name");
    GlassesOptions o = glasses_options_default();
    CHECK(o.threshold == 0.5f, "default threshold %f", o.threshold);
    CHECK(o.max_pixels == 64000000u, "default max_pixels %llu", (unsigned long long)o.max_pixels);
}

/* Every constructor, and the threshold option. Returns a classifier on the test model. */
static GlassesClassifier *test_constructors(const Manifest *m, const unsigned char *model, size_t model_len,
                                            const unsigned char *png, size_t png_len) {
    GlassesPrediction p;
    GlassesClassifier *from_bytes = NULL;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, NULL, &from_bytes), GLASSES_STATUS_OK,
                 "new_from_bytes");
    CHECK(from_bytes != NULL, "handle from bytes");
    CHECK(strcmp(glasses_last_error_message(), "") == 0, "no error after success: %s", glasses_last_error_message());
    if (!from_bytes) return NULL;

    CHECK_STATUS(glasses_classify_encoded(from_bytes, png, png_len, &p), GLASSES_STATUS_OK, "classify png");
    CHECK_CLOSE(p.probability, m->expect_color, 1e-5, "png vs glasses-core");
    CHECK(p.has_glasses == (p.probability >= 0.5f), "has_glasses follows threshold 0.5");

    GlassesClassifier *from_file = NULL;
    GlassesOptions opts = glasses_options_default();
    CHECK_STATUS(glasses_classifier_new_from_file(m->model, &opts, &from_file), GLASSES_STATUS_OK, "new_from_file");
    if (from_file) {
        GlassesPrediction q;
        CHECK_STATUS(glasses_classify_encoded(from_file, png, png_len, &q), GLASSES_STATUS_OK, "classify (file)");
        CHECK(q.probability == p.probability, "file and bytes give one answer: %.9f vs %.9f", q.probability,
              p.probability);
    }
    glasses_classifier_free(&from_file);

    /* The bundled model: the harness says what glasses-core answers (a probability or a failure). */
    GlassesClassifier *bundled = NULL;
    GlassesStatus s = glasses_classifier_new_bundled(NULL, &bundled);
    CHECK_STATUS(s, (GlassesStatus)m->bundled_status, "new_bundled");
    if (s == GLASSES_STATUS_OK) {
        CHECK(bundled != NULL, "bundled handle");
        GlassesPrediction q;
        CHECK_STATUS(glasses_classify_encoded(bundled, png, png_len, &q), GLASSES_STATUS_OK, "classify (bundled)");
        CHECK_CLOSE(q.probability, m->bundled_expect, 1e-5, "bundled vs glasses-core");
    } else {
        CHECK(bundled == NULL, "failed constructor leaves NULL");
        CHECK(strlen(glasses_last_error_message()) > 0, "bundled failure has a message");
    }
    glasses_classifier_free(&bundled);

    /* Threshold: just below the probability says yes, just above says no. */
    float prob = p.probability;
    if (prob >= 0.01f) {
        GlassesClassifier *c = NULL;
        opts.threshold = prob - 0.01f;
        CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &opts, &c), GLASSES_STATUS_OK, "low threshold");
        if (c) {
            GlassesPrediction q;
            CHECK_STATUS(glasses_classify_encoded(c, png, png_len, &q), GLASSES_STATUS_OK, "classify low threshold");
            CHECK(q.has_glasses, "threshold %.4f < p %.4f gives has_glasses", opts.threshold, q.probability);
        }
        glasses_classifier_free(&c);
    }
    if (prob <= 0.99f) {
        GlassesClassifier *c = NULL;
        opts.threshold = prob + 0.01f;
        CHECK_STATUS(glasses_classifier_new_bundled(&opts, &c), (GlassesStatus)m->bundled_status, "bundled options");
        glasses_classifier_free(&c);
        CHECK_STATUS(glasses_classifier_new_from_file(m->model, &opts, &c), GLASSES_STATUS_OK, "high threshold");
        if (c) {
            GlassesPrediction q;
            CHECK_STATUS(glasses_classify_encoded(c, png, png_len, &q), GLASSES_STATUS_OK, "classify high threshold");
            CHECK(!q.has_glasses, "threshold %.4f > p %.4f gives no glasses", opts.threshold, q.probability);
        }
        glasses_classifier_free(&c);
    }
    return from_bytes;
}

static void test_pixel_formats(const Manifest *m, const GlassesClassifier *c) {
    size_t rgb_len = 0, gray_len = 0;
    unsigned char *rgb = read_file(m->rgb_raw, &rgb_len);
    unsigned char *gray = read_file(m->gray_raw, &gray_len);
    const unsigned w = m->width, h = m->height;
    CHECK(rgb && rgb_len == (size_t)w * h * 3, "rgb file size %zu", rgb_len);
    CHECK(gray && gray_len == (size_t)w * h, "gray file size %zu", gray_len);
    if (!rgb || !gray || rgb_len != (size_t)w * h * 3 || gray_len != (size_t)w * h) {
        free(rgb);
        free(gray);
        return;
    }

    /* Padded rows everywhere: the stride must be honoured, the padding ignored (filled with 0xEE). */
    const size_t s3 = w * 3 + 5, s4 = w * 4 + 8, s1 = w + 7, s_argb = w + 3;
    unsigned char *b_rgb = malloc(s3 * h), *b_rgba = malloc(s4 * h), *b_bgra = malloc(s4 * h);
    unsigned char *b_argb_bytes = malloc(s4 * h), *b_gray = malloc(s1 * h), *b_gray_rgb = malloc(s3 * h);
    uint32_t *b_argb = malloc(s_argb * h * sizeof(uint32_t));
    memset(b_rgb, 0xEE, s3 * h);
    memset(b_rgba, 0xEE, s4 * h);
    memset(b_bgra, 0xEE, s4 * h);
    memset(b_argb_bytes, 0xEE, s4 * h);
    memset(b_gray, 0xEE, s1 * h);
    memset(b_gray_rgb, 0xEE, s3 * h);
    memset(b_argb, 0xEE, s_argb * h * sizeof(uint32_t));
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            const unsigned char *px = rgb + ((size_t)y * w + x) * 3;
            unsigned char r = px[0], g = px[1], b = px[2], l = gray[(size_t)y * w + x];
            memcpy(b_rgb + y * s3 + x * 3, px, 3);
            unsigned char rgba[4] = {r, g, b, 255}, bgra[4] = {b, g, r, 255};
            memcpy(b_rgba + y * s4 + x * 4, rgba, 4);
            memcpy(b_bgra + y * s4 + x * 4, bgra, 4);
            uint32_t argb = 0xFF000000u | (uint32_t)r << 16 | (uint32_t)g << 8 | b;
            b_argb[y * s_argb + x] = argb;
            memcpy(b_argb_bytes + y * s4 + x * 4, &argb, 4); /* native-endian, like a uint32_t[] */
            b_gray[y * s1 + x] = l;
            unsigned char lll[3] = {l, l, l};
            memcpy(b_gray_rgb + y * s3 + x * 3, lll, 3);
        }
    }

    GlassesPrediction p;
    struct {
        const char *name;
        const unsigned char *data;
        size_t len, stride;
        uint32_t format;
    } color[] = {
        {"RGB8", b_rgb, s3 * h, s3, GLASSES_PIXEL_FORMAT_RGB8},
        {"RGBA8", b_rgba, s4 * h, s4, GLASSES_PIXEL_FORMAT_RGBA8},
        {"BGRA8", b_bgra, s4 * h, s4, GLASSES_PIXEL_FORMAT_BGRA8},
        {"ARGB32 bytes", b_argb_bytes, s4 * h, s4, GLASSES_PIXEL_FORMAT_ARGB32},
    };
    for (size_t i = 0; i < sizeof color / sizeof color[0]; i++) {
        p.probability = -1.0f;
        GlassesStatus s = glasses_classify_pixels(c, color[i].data, color[i].len, w, h, color[i].stride,
                                                  color[i].format, &p);
        CHECK_STATUS(s, GLASSES_STATUS_OK, color[i].name);
        CHECK_CLOSE(p.probability, m->expect_color, 1e-4, color[i].name);
    }
    p.probability = -1.0f;
    CHECK_STATUS(glasses_classify_argb(c, b_argb, s_argb * h, w, h, s_argb, &p), GLASSES_STATUS_OK, "ARGB ints");
    CHECK_CLOSE(p.probability, m->expect_color, 1e-4, "ARGB ints");

    /* Gray: against core on the same gray pixels, and against the same gray spread over RGB. */
    GlassesPrediction g, g3;
    CHECK_STATUS(glasses_classify_pixels(c, b_gray, s1 * h, w, h, s1, GLASSES_PIXEL_FORMAT_GRAY8, &g),
                 GLASSES_STATUS_OK, "GRAY8");
    CHECK_CLOSE(g.probability, m->expect_gray, 1e-4, "GRAY8 vs glasses-core");
    CHECK_STATUS(glasses_classify_pixels(c, b_gray_rgb, s3 * h, w, h, s3, GLASSES_PIXEL_FORMAT_RGB8, &g3),
                 GLASSES_STATUS_OK, "gray as RGB8");
    CHECK_CLOSE(g.probability, g3.probability, 1e-4, "GRAY8 vs gray RGB8");

    /* Bad sizes and layouts: errors, never reads past the buffer. */
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, s4 * h, 0, h, s4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "zero width");
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, s4 * h, w, 0, s4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "zero height");
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, s4 * h, w, h, w * 4 - 1, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "stride shorter than a row");
    /* The last row needs no padding: stride * (height - 1) + width * 4 bytes is exactly enough. */
    const size_t tight = s4 * (h - 1) + w * 4;
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, tight, w, h, s4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_OK, "unpadded last row");
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, tight - 1, w, h, s4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "buffer one byte short");
    CHECK(strstr(glasses_last_error_message(), "invalid pixel buffer") != NULL, "message: %s",
          glasses_last_error_message());
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, s4 * h, UINT32_MAX, UINT32_MAX, SIZE_MAX / 2,
                                         GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "overflowing dimensions");
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, SIZE_MAX, w, h, s4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_INVALID_ARGUMENT, "impossible length");
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, s4 * h, w, h, s4, 99, &p), GLASSES_STATUS_INVALID_ARGUMENT,
                 "unknown format");
    CHECK(strstr(glasses_last_error_message(), "unknown pixel format 99") != NULL, "message: %s",
          glasses_last_error_message());
    CHECK_STATUS(glasses_classify_pixels(c, b_argb_bytes, s4 * h, w, h, s4 - 1, GLASSES_PIXEL_FORMAT_ARGB32, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "ARGB stride not whole pixels");
    CHECK_STATUS(glasses_classify_argb(c, b_argb, s_argb * (h - 1) + w - 1, w, h, s_argb, &p),
                 GLASSES_STATUS_INVALID_PIXEL_BUFFER, "ARGB ints one short");
    CHECK_STATUS(glasses_classify_argb(c, b_argb, SIZE_MAX, w, h, s_argb, &p), GLASSES_STATUS_INVALID_ARGUMENT,
                 "ARGB impossible length");
    CHECK_STATUS(glasses_classify_argb(c, (const uint32_t *)(const void *)(b_rgba + 1), 4, 1, 1, 1, &p),
                 GLASSES_STATUS_INVALID_ARGUMENT, "misaligned ARGB pointer");
    CHECK_STATUS(glasses_classify_argb(c, NULL, 4, 1, 1, 1, &p), GLASSES_STATUS_NULL_ARGUMENT, "NULL ARGB");
    CHECK_STATUS(glasses_classify_pixels(c, NULL, 4, 1, 1, 4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_NULL_ARGUMENT, "NULL pixels");
    CHECK_STATUS(glasses_classify_pixels(NULL, b_rgba, s4 * h, w, h, s4, GLASSES_PIXEL_FORMAT_RGBA8, &p),
                 GLASSES_STATUS_NULL_ARGUMENT, "NULL classifier (pixels)");
    CHECK_STATUS(glasses_classify_pixels(c, b_rgba, s4 * h, w, h, s4, GLASSES_PIXEL_FORMAT_RGBA8, NULL),
                 GLASSES_STATUS_NULL_ARGUMENT, "NULL out (pixels)");

    free(b_rgb);
    free(b_rgba);
    free(b_bgra);
    free(b_argb_bytes);
    free(b_gray);
    free(b_gray_rgb);
    free(b_argb);
    free(rgb);
    free(gray);
}

static void test_errors(const Manifest *m, const GlassesClassifier *c, const unsigned char *model, size_t model_len,
                        const unsigned char *png, size_t png_len) {
    GlassesPrediction p;
    GlassesClassifier *h = NULL;
    GlassesClassifier *const sentinel = (GlassesClassifier *)(void *)&h; /* any non-NULL garbage */

    /* NULL arguments. */
    CHECK_STATUS(glasses_classify_encoded(NULL, png, png_len, &p), GLASSES_STATUS_NULL_ARGUMENT, "NULL classifier");
    CHECK(strstr(glasses_last_error_message(), "classifier") != NULL, "message names the argument: %s",
          glasses_last_error_message());
    CHECK_STATUS(glasses_classify_encoded(c, NULL, png_len, &p), GLASSES_STATUS_NULL_ARGUMENT, "NULL image");
    CHECK_STATUS(glasses_classify_encoded(c, png, png_len, NULL), GLASSES_STATUS_NULL_ARGUMENT, "NULL out");
    CHECK_STATUS(glasses_classifier_new_bundled(NULL, NULL), GLASSES_STATUS_NULL_ARGUMENT, "bundled NULL out");
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, NULL, NULL), GLASSES_STATUS_NULL_ARGUMENT,
                 "from_bytes NULL out");
    CHECK_STATUS(glasses_classifier_new_from_file(m->model, NULL, NULL), GLASSES_STATUS_NULL_ARGUMENT,
                 "from_file NULL out");
    h = sentinel;
    CHECK_STATUS(glasses_classifier_new_from_bytes(NULL, model_len, NULL, &h), GLASSES_STATUS_NULL_ARGUMENT,
                 "NULL model");
    CHECK(h == NULL, "failed constructor sets *out to NULL");
    h = sentinel;
    CHECK_STATUS(glasses_classifier_new_from_file(NULL, NULL, &h), GLASSES_STATUS_NULL_ARGUMENT, "NULL path");
    CHECK(h == NULL, "failed constructor sets *out to NULL");

    /* Sizes no buffer can have are refused before any read. */
    CHECK_STATUS(glasses_classify_encoded(c, png, SIZE_MAX, &p), GLASSES_STATUS_INVALID_ARGUMENT, "huge image_len");
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, SIZE_MAX, NULL, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "huge model_len");

    /* Options out of range. */
    GlassesOptions o = glasses_options_default();
    o.threshold = 1.5f;
    h = sentinel;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &o, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "threshold 1.5");
    CHECK(h == NULL, "failed constructor sets *out to NULL");
    CHECK(strstr(glasses_last_error_message(), "threshold") != NULL, "message: %s", glasses_last_error_message());
    o.threshold = NAN;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &o, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "threshold NaN");
    o = glasses_options_default();
    o.max_pixels = 0;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &o, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "max_pixels 0");

    /* Corrupt, empty and oversized images. */
    static const unsigned char garbage[] = "this is not an image at all";
    CHECK_STATUS(glasses_classify_encoded(c, garbage, sizeof garbage, &p), GLASSES_STATUS_INVALID_IMAGE, "garbage");
    CHECK(strstr(glasses_last_error_message(), "invalid image") != NULL, "message: %s", glasses_last_error_message());
    CHECK_STATUS(glasses_classify_encoded(c, png, png_len / 2, &p), GLASSES_STATUS_INVALID_IMAGE, "truncated PNG");
    CHECK_STATUS(glasses_classify_encoded(c, png, 0, &p), GLASSES_STATUS_INVALID_IMAGE, "empty image");
    o = glasses_options_default();
    o.max_pixels = 16;
    CHECK_STATUS(glasses_classifier_new_from_file(m->model, &o, &h), GLASSES_STATUS_OK, "max_pixels 16");
    if (h) {
        CHECK_STATUS(glasses_classify_encoded(h, png, png_len, &p), GLASSES_STATUS_IMAGE_TOO_LARGE, "too large");
        CHECK(strstr(glasses_last_error_message(), "too large") != NULL, "message: %s", glasses_last_error_message());
    }
    glasses_classifier_free(&h);

    /* Bad models. */
    h = sentinel;
    CHECK_STATUS(glasses_classifier_new_from_bytes(garbage, sizeof garbage, NULL, &h), GLASSES_STATUS_INVALID_MODEL,
                 "garbage model");
    CHECK(h == NULL, "failed constructor sets *out to NULL");
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, 0, NULL, &h), GLASSES_STATUS_INVALID_MODEL, "empty model");
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len / 3, NULL, &h), GLASSES_STATUS_INVALID_MODEL,
                 "truncated model");
    CHECK_STATUS(glasses_classifier_new_from_file(m->image_png, NULL, &h), GLASSES_STATUS_INVALID_MODEL,
                 "PNG as model");
    CHECK_STATUS(glasses_classifier_new_from_file("/nonexistent/glasses/model.onnx", NULL, &h), GLASSES_STATUS_IO,
                 "missing file");
    CHECK(strstr(glasses_last_error_message(), "/nonexistent/glasses/model.onnx") != NULL, "message: %s",
          glasses_last_error_message());
    CHECK_STATUS(glasses_classifier_new_from_file("\xff\xfe.onnx", NULL, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "non-UTF-8 path");
    CHECK_STATUS(glasses_classifier_new_from_file(m->bad_contract_model, NULL, &h),
                 GLASSES_STATUS_CONTRACT_VIOLATION, "contract violation");
    CHECK(strstr(glasses_last_error_message(), "contract") != NULL, "message: %s", glasses_last_error_message());
    CHECK(h == NULL, "no handle after failures");

    /* The copy variant agrees with the pointer variant and truncates like snprintf. */
    CHECK_STATUS(glasses_classify_encoded(c, garbage, sizeof garbage, &p), GLASSES_STATUS_INVALID_IMAGE, "garbage");
    const char *msg = glasses_last_error_message();
    size_t need = glasses_last_error_message_copy(NULL, 0);
    CHECK(need == strlen(msg) && need > 10, "copy length %zu vs %zu", need, strlen(msg));
    char full[1024], small[8];
    CHECK(glasses_last_error_message_copy(full, sizeof full) == need, "copy returns length");
    CHECK(strcmp(full, msg) == 0, "copy: '%s' vs '%s'", full, msg);
    CHECK(glasses_last_error_message_copy(small, sizeof small) == need, "truncated copy returns full length");
    CHECK(strlen(small) == sizeof small - 1 && strncmp(small, msg, sizeof small - 1) == 0, "truncated: '%s'", small);
    /* A successful call clears the message. */
    CHECK_STATUS(glasses_classify_encoded(c, png, png_len, &p), GLASSES_STATUS_OK, "success");
    CHECK(strcmp(glasses_last_error_message(), "") == 0, "cleared: '%s'", glasses_last_error_message());
    CHECK(glasses_last_error_message_copy(full, sizeof full) == 0 && full[0] == '\0', "copy of no error");
}

static void test_free(const unsigned char *model, size_t model_len) {
    GlassesClassifier *h = NULL;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, NULL, &h), GLASSES_STATUS_OK, "new for free");
    CHECK(h != NULL, "handle");
    glasses_classifier_free(&h);
    CHECK(h == NULL, "free sets the pointer to NULL");
    glasses_classifier_free(&h); /* double free through the nulled variable: a no-op */
    CHECK(h == NULL, "second free is a no-op");
    glasses_classifier_free(NULL);
    passed++; /* reaching this line is the check: free(NULL) did not crash */
}

static void test_panic(const GlassesClassifier *c, const unsigned char *png, size_t png_len) {
#ifdef GLASSES_TEST_PANIC
    CHECK_STATUS(glasses_test_force_panic(), GLASSES_STATUS_PANIC, "forced panic");
    CHECK(strstr(glasses_last_error_message(), "panic") != NULL, "panic message: %s", glasses_last_error_message());
    /* The process lives and the library still works after the panic. */
    GlassesPrediction p;
    CHECK_STATUS(glasses_classify_encoded(c, png, png_len, &p), GLASSES_STATUS_OK, "classify after panic");
#else
    (void)c;
    (void)png;
    (void)png_len;
    printf("SKIP forced panic: GLASSES_TEST_PANIC not defined (release library without --features test-panic)\n");
#endif
}

/* ---------------------------------------------------------------- threads */

typedef struct {
    const GlassesClassifier *classifier;
    const unsigned char *png;
    size_t png_len;
    float want;
    int iterations;
    int mismatches;
    int errors;
} ThreadJob;

static void *thread_main(void *arg) {
    ThreadJob *job = arg;
    static const unsigned char garbage[] = "not an image";
    for (int i = 0; i < job->iterations; i++) {
        GlassesPrediction p;
        if (glasses_classify_encoded(job->classifier, job->png, job->png_len, &p) != GLASSES_STATUS_OK) job->errors++;
        else if (p.probability != job->want) job->mismatches++;
        /* The last error is per thread: other threads' successes must not clear ours. */
        if (glasses_classify_encoded(job->classifier, garbage, sizeof garbage, &p) != GLASSES_STATUS_INVALID_IMAGE ||
            strstr(glasses_last_error_message(), "invalid image") == NULL)
            job->errors++;
    }
    return NULL;
}

static void test_threads(const Manifest *m, const GlassesClassifier *c, const unsigned char *png, size_t png_len) {
    GlassesPrediction ref;
    CHECK_STATUS(glasses_classify_encoded(c, png, png_len, &ref), GLASSES_STATUS_OK, "reference");
    enum { MAX_THREADS = 16 };
    int n = m->threads < MAX_THREADS ? m->threads : MAX_THREADS;
    pthread_t tid[MAX_THREADS];
    ThreadJob jobs[MAX_THREADS];
    for (int i = 0; i < n; i++) {
        jobs[i] = (ThreadJob){c, png, png_len, ref.probability, m->iterations, 0, 0};
        CHECK(pthread_create(&tid[i], NULL, thread_main, &jobs[i]) == 0, "pthread_create %d", i);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        CHECK(jobs[i].errors == 0 && jobs[i].mismatches == 0, "thread %d: %d errors, %d results differ from %.9f", i,
              jobs[i].errors, jobs[i].mismatches, ref.probability);
    }
}

/* ---------------------------------------------------------------- golden */

static void test_golden(const Manifest *m) {
    if (m->golden_absent[0]) {
        printf("SKIP golden fixtures: %s is absent\n", m->golden_absent);
        return;
    }
    CHECK(m->golden_count > 0, "golden.json lists no cases");
    GlassesClassifier *c = NULL;
    CHECK_STATUS(glasses_classifier_new_from_file(m->golden_model, NULL, &c), GLASSES_STATUS_OK, m->golden_model);
    if (!c) return;
    for (int i = 0; i < m->golden_count; i++) {
        const GoldenCase *g = &m->golden[i];
        size_t len = 0;
        unsigned char *img = read_file(g->path, &len);
        CHECK(img != NULL, "golden image %s readable", g->path);
        if (!img) continue;
        GlassesPrediction p;
        CHECK_STATUS(glasses_classify_encoded(c, img, len, &p), GLASSES_STATUS_OK, g->path);
        CHECK_CLOSE(p.probability, g->probability, g->tolerance, g->path);
        CHECK(p.has_glasses == (g->has_glasses != 0), "%s: has_glasses %d, golden %d", g->path, p.has_glasses,
              g->has_glasses);
        free(img);
    }
    glasses_classifier_free(&c);
    printf("golden fixtures: %d cases checked\n", m->golden_count);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MANIFEST\n", argv[0]);
        return 2;
    }
    Manifest *m = calloc(1, sizeof *m);
    if (!m || read_manifest(argv[1], m) != 0) return 2;
    size_t model_len = 0, png_len = 0;
    unsigned char *model = read_file(m->model, &model_len);
    unsigned char *png = read_file(m->image_png, &png_len);
    if (!model || !png) return 2;

    test_version_and_names(m);
    GlassesClassifier *c = test_constructors(m, model, model_len, png, png_len);
    if (c) {
        test_pixel_formats(m, c);
        test_errors(m, c, model, model_len, png, png_len);
        test_panic(c, png, png_len);
        test_threads(m, c, png, png_len);
    }
    test_free(model, model_len);
    test_golden(m);
    glasses_classifier_free(&c);

    free(model);
    free(png);
    free(m);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
