/*
 * End-to-end test of the C ABI in ffi/include/glasses.h, written the way a C or Objective-C app
 * would use it.
 *
 * Usage: glasses_test MANIFEST [KEY=VALUE ...]
 *
 * KEY=VALUE arguments override manifest lines (same keys), e.g. a soak run:
 *   glasses_test manifest.txt suite=scale stress_images=4000 soak_cycles=10000
 * suite=all (default) runs every check; suite=stress, suite=soak and suite=scale (both) run only
 * the concurrency-at-scale and the create/classify/free RSS checks.
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
/* clock_gettime, sysconf: POSIX, not in strict C11. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "glasses.h"

#include "check.h"

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
    /* The eyewear kind (GlassesEyewear), P(none) and P(sunglasses) (negative: no such class). */
    int eyewear;
    double p_none, p_sunglasses;
    /* Region cases: the face box (in pixels of the upright picture). */
    int is_region;
    float box[4];
    /* The upright picture as raw RGBA (width x height), and the prefix of the PNGs stored turned
       each of the eight ways: PREFIX-DEGREES-MIRRORED.png (MIRRORED 0 or 1). */
    char rgba_path[4096];
    unsigned width, height;
    char turned_prefix[4096];
    /* The face the default request (GLASSES_FACE_MODE_AUTO) answers for: x, y, w, h, score. */
    int has_found;
    float found[5];
} GoldenCase;

#define MAX_GROUPS 8
#define MAX_GROUP_FACES 8

/* One face of a group picture, as golden.json gives it: box and score, then the answer. */
typedef struct {
    float face[5];
    int has_glasses;
    double probability;
    int eyewear;
    double p_none, p_sunglasses;
} GroupFace;

/* A picture of several drawn faces: every face the detector finds, largest first. */
typedef struct {
    double tolerance;
    int expected;
    int count;
    unsigned width, height;
    char rgba_path[4096];
    char path[4096];
    GroupFace faces[MAX_GROUP_FACES];
} GoldenGroup;

typedef struct {
    char model[4096];
    char bad_contract_model[4096];
    char image_png[4096];
    char rgb_raw[4096];
    char gray_raw[4096];
    char jpeg_cut[4096];
    char version[4096];
    /* glasses_classifier_model_info: a three-class int8 model with its own version, input size
       and threshold, what core reads of it, and the class names and width of `model`. */
    char info_model[4096], info_version[4096], info_architecture[4096], info_classes[4096], plain_classes[4096];
    unsigned info_width, info_height, plain_width;
    double info_default_threshold;
    unsigned width, height;
    double expect_color, expect_gray;
    int bundled_status;
    double bundled_expect;
    int threads, iterations;
    /* Concurrency at scale: stress_threads threads share one handle, each classifies all
       stress_images generated images stress_rounds times, compared bit for bit with one thread. */
    int stress_threads, stress_images, stress_rounds;
    /* soak_cycles create/classify/free cycles; RSS may grow at most soak_max_growth_kib after the
       first tenth (negative: not checked, e.g. under valgrind). soak_skip_free leaks every
       handle on purpose: the negative control that shows the RSS check can fail. */
    int soak_cycles, soak_skip_free;
    long soak_max_growth_kib;
    char suite[16];
    char yuv_y[4096], yuv_vu[4096];
    unsigned yuv_width, yuv_height, yuv_rotation;
    double yuv_expect, yuv_expect_face;
    char golden_model[4096];
    char golden_absent[4096];
    GoldenCase golden[MAX_GOLDEN];
    int golden_count;
    GoldenGroup groups[MAX_GROUPS];
    int group_count;
    /* How many of the eight orientations each golden picture is turned to (8 natively; fewer
       under valgrind, where one classification takes seconds). */
    int golden_turns;
} Manifest;

/* One "KEY VALUE" manifest line. */
static void manifest_line(Manifest *m, const char *line) {
    char key[64];
    char value[4096];
    if (sscanf(line, "%63s %4095[^\n]", key, value) != 2) return;
#define STR(k) else if (strcmp(key, #k) == 0) snprintf(m->k, sizeof m->k, "%s", value)
    if (0) {
    }
    STR(model);
    STR(bad_contract_model);
    STR(image_png);
    STR(rgb_raw);
    STR(gray_raw);
    STR(jpeg_cut);
    STR(version);
    STR(info_model);
    STR(info_version);
    STR(info_architecture);
    STR(info_classes);
    STR(plain_classes);
    STR(golden_model);
    STR(yuv_y);
    STR(yuv_vu);
    STR(golden_absent);
#undef STR
    else if (strcmp(key, "suite") == 0) snprintf(m->suite, sizeof m->suite, "%.15s", value);
    else if (strcmp(key, "yuv_width") == 0) m->yuv_width = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "yuv_height") == 0) m->yuv_height = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "yuv_rotation") == 0) m->yuv_rotation = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "yuv_expect") == 0) m->yuv_expect = strtod(value, NULL);
    else if (strcmp(key, "yuv_expect_face") == 0) m->yuv_expect_face = strtod(value, NULL);
    else if (strcmp(key, "info_width") == 0) m->info_width = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "info_height") == 0) m->info_height = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "plain_width") == 0) m->plain_width = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "info_default_threshold") == 0) m->info_default_threshold = strtod(value, NULL);
    else if (strcmp(key, "width") == 0) m->width = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "height") == 0) m->height = (unsigned)strtoul(value, NULL, 10);
    else if (strcmp(key, "expect_color") == 0) m->expect_color = strtod(value, NULL);
    else if (strcmp(key, "expect_gray") == 0) m->expect_gray = strtod(value, NULL);
    else if (strcmp(key, "bundled_status") == 0) m->bundled_status = atoi(value);
    else if (strcmp(key, "bundled_expect") == 0) m->bundled_expect = strtod(value, NULL);
    else if (strcmp(key, "threads") == 0) m->threads = atoi(value);
    else if (strcmp(key, "iterations") == 0) m->iterations = atoi(value);
    else if (strcmp(key, "golden_turns") == 0) m->golden_turns = atoi(value);
    else if (strcmp(key, "stress_threads") == 0) m->stress_threads = atoi(value);
    else if (strcmp(key, "stress_images") == 0) m->stress_images = atoi(value);
    else if (strcmp(key, "stress_rounds") == 0) m->stress_rounds = atoi(value);
    else if (strcmp(key, "soak_cycles") == 0) m->soak_cycles = atoi(value);
    else if (strcmp(key, "soak_skip_free") == 0) m->soak_skip_free = atoi(value);
    else if (strcmp(key, "soak_max_growth_kib") == 0) m->soak_max_growth_kib = strtol(value, NULL, 10);
    else if (strcmp(key, "golden_case") == 0 && m->golden_count < MAX_GOLDEN) {
        /* golden_case TOL HAS P EYEWEAR P_NONE P_SUN HAS_FACE X Y W H RGBA_PATH WIDTH HEIGHT TURNED_PREFIX PATH */
        GoldenCase *g = &m->golden[m->golden_count];
        if (sscanf(value, "%lf %d %lf %d %lf %lf %d %f %f %f %f %4095s %u %u %4095s %4095[^\n]", &g->tolerance,
                   &g->has_glasses, &g->probability, &g->eyewear, &g->p_none, &g->p_sunglasses, &g->is_region,
                   &g->box[0], &g->box[1], &g->box[2], &g->box[3], g->rgba_path, &g->width, &g->height,
                   g->turned_prefix, g->path) == 16)
            m->golden_count++;
    } else if (strcmp(key, "golden_found") == 0 && m->golden_count > 0) {
        GoldenCase *g = &m->golden[m->golden_count - 1];
        g->has_found = sscanf(value, "%f %f %f %f %f", &g->found[0], &g->found[1], &g->found[2], &g->found[3],
                              &g->found[4]) == 5;
    } else if (strcmp(key, "golden_group") == 0 && m->group_count < MAX_GROUPS) {
        /* golden_group TOL FACES WIDTH HEIGHT RGBA_PATH PATH */
        GoldenGroup *g = &m->groups[m->group_count];
        if (sscanf(value, "%lf %d %u %u %4095s %4095[^\n]", &g->tolerance, &g->expected, &g->width, &g->height,
                   g->rgba_path, g->path) == 6)
            m->group_count++;
    } else if (strcmp(key, "golden_group_face") == 0 && m->group_count > 0) {
        /* golden_group_face X Y W H SCORE HAS P EYEWEAR P_NONE P_SUN */
        GoldenGroup *g = &m->groups[m->group_count - 1];
        if (g->count < MAX_GROUP_FACES) {
            GroupFace *f = &g->faces[g->count];
            if (sscanf(value, "%f %f %f %f %f %d %lf %d %lf %lf", &f->face[0], &f->face[1], &f->face[2], &f->face[3],
                       &f->face[4], &f->has_glasses, &f->probability, &f->eyewear, &f->p_none,
                       &f->p_sunglasses) == 10)
                g->count++;
        }
    }
}

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
    m->golden_turns = 8;
    m->stress_threads = 8;
    m->stress_rounds = 1;
    m->soak_max_growth_kib = 8192;
    snprintf(m->suite, sizeof m->suite, "all");
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        manifest_line(m, line);
    }
    fclose(f);
    return 0;
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
    o.threshold = -0.1f;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &o, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "threshold -0.1");
    o.threshold = INFINITY;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &o, &h), GLASSES_STATUS_INVALID_ARGUMENT,
                 "threshold infinity");
    /* NaN is no longer out of range: it leaves the threshold to the model (test_model_threshold). */
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

/* ---------------------------------------------------------------- concurrency at scale */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A 32-bit integer hash (lowbias32), so the generated images are the same on every platform. */
static uint32_t hash32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

enum { GEN_MAX_SIDE = 64, GEN_MAX_STRIDE = GEN_MAX_SIDE * 4 + 8, GEN_MAX_BYTES = GEN_MAX_STRIDE * GEN_MAX_SIDE };
enum { GEN_KIND_ARGB_INTS = 5, GEN_KINDS = 6 };

/* The shape of generated image `index`. kind 0..4 is a GlassesPixelFormat passed to
   glasses_classify_pixels; GEN_KIND_ARGB_INTS goes through glasses_classify_argb. */
typedef struct {
    uint32_t width, height;
    size_t stride; /* bytes, a multiple of 4 */
    int kind;
} GenShape;

/* Writes image `index` into `scratch` (GEN_MAX_BYTES, uint32_t-aligned): 8..64 pixels a side,
   every format, padded rows (padding 0xEE), a per-image gradient plus noise, so distinct indices
   give distinct pixels and (almost always) distinct probabilities. */
static GenShape gen_image(uint32_t index, uint32_t *scratch) {
    static const size_t bpp[GEN_KINDS] = {4, 4, 4, 3, 1, 4};
    const uint32_t h = hash32(index * 2654435761u + 0x9e3779b9u);
    GenShape s;
    s.kind = (int)(index % GEN_KINDS);
    s.width = 8 + h % (GEN_MAX_SIDE - 7);
    s.height = 8 + (h >> 8) % (GEN_MAX_SIDE - 7);
    s.stride = s.width * bpp[s.kind] + 4 * ((h >> 16) % 3);
    const uint32_t ax = 1 + (h >> 18) % 7, ay = 1 + (h >> 21) % 5, base = h >> 24;
    unsigned char *bytes = (unsigned char *)scratch;
    memset(bytes, 0xEE, s.stride * s.height);
    for (uint32_t y = 0; y < s.height; y++) {
        for (uint32_t x = 0; x < s.width; x++) {
            const uint32_t n = hash32(h ^ (y << 8 | x));
            const unsigned char r = (unsigned char)(x * ax * 4 + (n & 63));
            const unsigned char g = (unsigned char)(y * ay * 4 + ((n >> 8) & 63));
            const unsigned char b = (unsigned char)((x + y) * 3 + base + ((n >> 16) & 63));
            const unsigned char a = (unsigned char)(n >> 24); /* ignored by the library */
            unsigned char *px = bytes + y * s.stride + x * bpp[s.kind];
            switch (s.kind) {
            case GLASSES_PIXEL_FORMAT_RGBA8:
                px[0] = r, px[1] = g, px[2] = b, px[3] = a;
                break;
            case GLASSES_PIXEL_FORMAT_BGRA8:
                px[0] = b, px[1] = g, px[2] = r, px[3] = a;
                break;
            case GLASSES_PIXEL_FORMAT_RGB8:
                px[0] = r, px[1] = g, px[2] = b;
                break;
            case GLASSES_PIXEL_FORMAT_GRAY8:
                px[0] = (unsigned char)((r * 77u + g * 150u + b * 29u) >> 8);
                break;
            default: { /* ARGB32 bytes and ARGB ints: native-endian 0xAARRGGBB */
                const uint32_t v = (uint32_t)a << 24 | (uint32_t)r << 16 | (uint32_t)g << 8 | b;
                memcpy(px, &v, 4);
            }
            }
        }
    }
    return s;
}

static GlassesStatus classify_generated(const GlassesClassifier *c, const GenShape *s, const uint32_t *scratch,
                                        GlassesPrediction *out) {
    if (s->kind == GEN_KIND_ARGB_INTS)
        return glasses_classify_argb(c, scratch, s->stride / 4 * s->height, s->width, s->height, s->stride / 4, out);
    return glasses_classify_pixels(c, (const unsigned char *)scratch, s->stride * s->height, s->width, s->height,
                                   s->stride, (uint32_t)s->kind, out);
}

/* Bit-exact comparison of two predictions (memcmp of the float, not ==, so -0/+0 or NaN
   payload differences count too; the struct's padding is not compared). */
static int same_prediction(const GlassesPrediction *a, const GlassesPrediction *b) {
    return memcmp(&a->probability, &b->probability, sizeof a->probability) == 0 && a->has_glasses == b->has_glasses;
}

static uint32_t gcd_u32(uint32_t a, uint32_t b) {
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* All threads wait at the gate so they really start together. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t open_cond;
    int open;
} Gate;

typedef struct {
    const GlassesClassifier *classifier;
    const GlassesPrediction *want; /* single-thread results, by image index */
    Gate *gate;
    uint32_t images, rounds, thread_index;
    /* results */
    uint64_t compared, mismatches, errors;
    uint32_t first_bad;
    GlassesPrediction first_got;
    GlassesStatus first_status;
} StressJob;

static void *stress_main(void *arg) {
    StressJob *job = arg;
    uint32_t *scratch = malloc(GEN_MAX_BYTES);
    if (!scratch) {
        job->errors++;
        return NULL;
    }
    pthread_mutex_lock(&job->gate->lock);
    while (!job->gate->open) pthread_cond_wait(&job->gate->open_cond, &job->gate->lock);
    pthread_mutex_unlock(&job->gate->lock);
    const uint32_t n = job->images;
    for (uint32_t r = 0; r < job->rounds; r++) {
        /* Each thread and round walks every image once, from its own start with its own step. */
        uint32_t step = 1 + 2 * (job->thread_index + r);
        while (gcd_u32(step % n == 0 ? n : step % n, n) != 1) step++;
        const uint32_t start = (uint32_t)(((uint64_t)job->thread_index * 7919u + r * 104729u) % n);
        for (uint32_t k = 0; k < n; k++) {
            const uint32_t i = (uint32_t)((start + (uint64_t)k * step) % n);
            const GenShape s = gen_image(i, scratch);
            GlassesPrediction p;
            memset(&p, 0, sizeof p);
            const GlassesStatus st = classify_generated(job->classifier, &s, scratch, &p);
            if (st == GLASSES_STATUS_OK) {
                job->compared++;
                if (same_prediction(&p, &job->want[i])) continue;
                job->mismatches++;
            } else {
                job->errors++;
            }
            if (job->mismatches + job->errors == 1) {
                job->first_bad = i;
                job->first_got = p;
                job->first_status = st;
            }
        }
    }
    free(scratch);
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* stress_threads threads share one handle; each classifies every one of stress_images generated
   images (all pixel formats, sizes, strides) stress_rounds times in its own order; every result
   must equal, bit for bit, what one thread got for the same image before the threads started. */
static void test_stress(const Manifest *m, const GlassesClassifier *c) {
    enum { MAX_STRESS_THREADS = 64 };
    const int threads = m->stress_threads < MAX_STRESS_THREADS ? m->stress_threads : MAX_STRESS_THREADS;
    if (m->stress_images <= 0 || threads <= 0 || m->stress_rounds <= 0) {
        printf("SKIP stress: stress_images %d, stress_threads %d, stress_rounds %d\n", m->stress_images,
               m->stress_threads, m->stress_rounds);
        return;
    }
    const uint32_t n = (uint32_t)m->stress_images, rounds = (uint32_t)m->stress_rounds;
    GlassesPrediction *want = calloc(n, sizeof *want);
    uint32_t *bits = calloc(n, sizeof *bits);
    uint32_t *scratch = malloc(GEN_MAX_BYTES);
    if (!want || !bits || !scratch) {
        CHECK(0, "out of memory for %u images", n);
        free(want), free(bits), free(scratch);
        return;
    }

    /* The single-thread reference. */
    const double t0 = now_s();
    int ref_errors = 0;
    for (uint32_t i = 0; i < n; i++) {
        const GenShape s = gen_image(i, scratch);
        const GlassesStatus st = classify_generated(c, &s, scratch, &want[i]);
        if (st != GLASSES_STATUS_OK) {
            if (ref_errors++ == 0)
                CHECK_STATUS(st, GLASSES_STATUS_OK, "single-thread classification of a generated image");
        }
        memcpy(&bits[i], &want[i].probability, sizeof bits[i]);
    }
    const double ref_s = now_s() - t0;
    CHECK(ref_errors == 0, "%d of %u generated images failed to classify", ref_errors, n);
    /* Distinct answers: a mix-up between images (or threads) would show as a mismatch. */
    qsort(bits, n, sizeof *bits, cmp_u32);
    uint32_t distinct = n > 0;
    for (uint32_t i = 1; i < n; i++) distinct += bits[i] != bits[i - 1];
    CHECK(distinct * 2 >= n, "only %u distinct probabilities among %u generated images", distinct, n);

    pthread_t tid[MAX_STRESS_THREADS];
    StressJob jobs[MAX_STRESS_THREADS];
    int started[MAX_STRESS_THREADS] = {0};
    Gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    for (int t = 0; t < threads; t++) {
        jobs[t] = (StressJob){.classifier = c, .want = want, .gate = &gate, .images = n, .rounds = rounds,
                              .thread_index = (uint32_t)t};
        started[t] = pthread_create(&tid[t], NULL, stress_main, &jobs[t]) == 0;
        CHECK(started[t], "pthread_create %d", t);
    }
    const double t1 = now_s();
    pthread_mutex_lock(&gate.lock);
    gate.open = 1;
    pthread_cond_broadcast(&gate.open_cond);
    pthread_mutex_unlock(&gate.lock);
    uint64_t compared = 0, mismatches = 0, errors = 0;
    for (int t = 0; t < threads; t++) {
        if (!started[t]) continue;
        pthread_join(tid[t], NULL);
        const StressJob *j = &jobs[t];
        compared += j->compared;
        mismatches += j->mismatches;
        errors += j->errors;
        CHECK(j->errors == 0 && j->mismatches == 0 && j->compared == (uint64_t)n * rounds,
              "stress thread %d: %llu compared, %llu differ from one thread, %llu errors; first: image %u got %.9g "
              "(%s), one thread %.9g",
              t, (unsigned long long)j->compared, (unsigned long long)j->mismatches, (unsigned long long)j->errors,
              j->first_bad, (double)j->first_got.probability, glasses_status_name((int32_t)j->first_status),
              (double)want[j->first_bad].probability);
    }
    const double wall = now_s() - t1;
    printf("stress: threads=%d images=%u rounds=%u classifications=%llu mismatches=%llu errors=%llu distinct=%u "
           "wall_s=%.2f reference_s=%.2f\n",
           threads, n, rounds, (unsigned long long)compared, (unsigned long long)mismatches,
           (unsigned long long)errors, distinct, wall, ref_s);
    free(want);
    free(bits);
    free(scratch);
}

/* ---------------------------------------------------------------- soak */

/* ---------------------------------------------------------------- issue 13: hostile shapes */

/* Peak resident set size (VmHWM) in KiB, or -1 where there is no /proc. */
static long peak_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return kib;
}

/* PNG's CRC-32, to forge a header the decoder accepts. */
static uint32_t png_crc32(const unsigned char *p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc & 1u) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return ~crc;
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Before the fix: a 1,048,576 x 1 Gray8 buffer peaked at 1.36 GB in the resize, max_pixels =
   UINT64_MAX with a PNG declaring 100,000 x 100,000 aborted the process, and a truncated JPEG was
   classified. Each must now be an answer or a status. */
static void test_hostile(const Manifest *m, const GlassesClassifier *c, const unsigned char *model, size_t model_len,
                         const unsigned char *png, size_t png_len) {
    GlassesPrediction p;
    const uint32_t w = 1u << 20;
    unsigned char *row = malloc(w);
    if (!row) return;
    for (uint32_t i = 0; i < w; i++) row[i] = (unsigned char)(i >> 12);
    const long before = peak_rss_kib();
    CHECK_STATUS(glasses_classify_pixels(c, row, w, w, 1, w, GLASSES_PIXEL_FORMAT_GRAY8, &p), GLASSES_STATUS_OK,
                 "1048576x1 gray buffer");
    const long after = peak_rss_kib();
    free(row);
    /* Under valgrind (soak_max_growth_kib < 0) RSS is valgrind's, not ours. */
    if (before >= 0 && after >= 0 && m->soak_max_growth_kib >= 0)
        CHECK(after - before <= 256 * 1024, "peak RSS grew by %ld KiB for a 1 MB row", after - before);

    GlassesOptions unlimited = glasses_options_default();
    unlimited.max_pixels = UINT64_MAX;
    GlassesClassifier *big = NULL;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &unlimited, &big), GLASSES_STATUS_OK,
                 "new_from_bytes with max_pixels = UINT64_MAX");
    unsigned char *forged = malloc(png_len);
    if (big && forged && png_len > 33) {
        memcpy(forged, png, png_len);
        put_be32(forged + 16, 100000);
        put_be32(forged + 20, 100000);
        put_be32(forged + 29, png_crc32(forged + 12, 17));
        const GlassesStatus s = glasses_classify_encoded(big, forged, png_len, &p);
        /* Out of memory where the 30 GB are refused; where the kernel lends them untouched, the
           missing pixel data is the error. Either way the process lives. */
        CHECK(s == GLASSES_STATUS_OUT_OF_MEMORY || s == GLASSES_STATUS_INVALID_IMAGE,
              "100000x100000 PNG with unlimited max_pixels: %s (%s)", glasses_status_name((int32_t)s),
              glasses_last_error_message());
    }
    free(forged);
    glasses_classifier_free(&big);

    size_t cut_len = 0;
    unsigned char *cut = m->jpeg_cut[0] ? read_file(m->jpeg_cut, &cut_len) : NULL;
    CHECK(cut != NULL, "manifest names a truncated JPEG");
    if (cut) {
        CHECK_STATUS(glasses_classify_encoded(c, cut, cut_len, &p), GLASSES_STATUS_TRUNCATED_IMAGE, "truncated JPEG");
        GlassesClassifier *lenient = NULL;
        CHECK_STATUS(glasses_classifier_with_accept_truncated(c, true, &lenient), GLASSES_STATUS_OK,
                     "with_accept_truncated");
        if (lenient) {
            CHECK_STATUS(glasses_classify_encoded(lenient, cut, cut_len, &p), GLASSES_STATUS_OK,
                         "truncated JPEG, accepted");
            CHECK_STATUS(glasses_classify_encoded(lenient, png, png_len, &p), GLASSES_STATUS_OK, "PNG, lenient handle");
        }
        glasses_classifier_free(&lenient);
        free(cut);
    }
    CHECK_STATUS(glasses_classifier_with_accept_truncated(NULL, true, &big), GLASSES_STATUS_NULL_ARGUMENT,
                 "with_accept_truncated(NULL)");
    CHECK(strcmp(glasses_status_name(13), "GLASSES_STATUS_TRUNCATED_IMAGE") == 0, "name of 13");
    CHECK(strcmp(glasses_status_name(14), "GLASSES_STATUS_OUT_OF_MEMORY") == 0, "name of 14");
    CHECK(strcmp(glasses_status_name(15), "GLASSES_STATUS_FILE_TOO_LARGE") == 0, "name of 15");
    CHECK(strcmp(glasses_status_name(16), "GLASSES_STATUS_NOT_A_REGULAR_FILE") == 0, "name of 16");
    CHECK_STATUS(glasses_classifier_new_from_file("/dev/zero", NULL, &big), GLASSES_STATUS_NOT_A_REGULAR_FILE,
                 "model /dev/zero");
}

/* Resident set size in KiB from /proc/self/statm, or -1 where there is no /proc (macOS). */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    unsigned long size = 0, resident = 0;
    const int got = fscanf(f, "%lu %lu", &size, &resident);
    fclose(f);
    if (got != 2) return -1;
    return (long)(resident * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

enum { SOAK_IMAGES = 16 };

/* soak_cycles times: create a classifier from the model bytes, classify a generated image and the
   PNG, provoke an error (the per-thread message), free. Every result must equal, bit for bit, the
   one of the first cycles; RSS at the end may exceed RSS after the first tenth of the cycles by at
   most soak_max_growth_kib. */
static void test_soak(const Manifest *m, const unsigned char *model, size_t model_len, const unsigned char *png,
                      size_t png_len) {
    const int cycles = m->soak_cycles;
    if (cycles <= 0) {
        printf("SKIP soak: soak_cycles %d\n", cycles);
        return;
    }
    const int warm = cycles / 10 > 0 ? cycles / 10 : 1;
    uint32_t *scratch = malloc(GEN_MAX_BYTES);
    if (!scratch) {
        CHECK(0, "out of memory");
        return;
    }
    static const unsigned char garbage[] = "not an image";
    GlassesPrediction first[SOAK_IMAGES], first_png;
    int errors = 0, mismatches = 0;
    long rss_warm = -1;
    const double t0 = now_s();
    for (int cycle = 0; cycle < cycles; cycle++) {
        GlassesClassifier *h = NULL;
        if (glasses_classifier_new_from_bytes(model, model_len, NULL, &h) != GLASSES_STATUS_OK || !h) {
            if (errors++ == 0) CHECK(0, "soak cycle %d: new_from_bytes: %s", cycle, glasses_last_error_message());
            continue;
        }
        const uint32_t i = (uint32_t)cycle % SOAK_IMAGES;
        const GenShape s = gen_image(i, scratch);
        GlassesPrediction p, q, r;
        memset(&p, 0, sizeof p), memset(&q, 0, sizeof q);
        const int ok = classify_generated(h, &s, scratch, &p) == GLASSES_STATUS_OK &&
                       glasses_classify_encoded(h, png, png_len, &q) == GLASSES_STATUS_OK &&
                       glasses_classify_encoded(h, garbage, sizeof garbage, &r) == GLASSES_STATUS_INVALID_IMAGE &&
                       strstr(glasses_last_error_message(), "invalid image") != NULL;
        if (!ok) {
            if (errors++ == 0) CHECK(0, "soak cycle %d: %s", cycle, glasses_last_error_message());
        } else {
            if (cycle < SOAK_IMAGES) first[i] = p;
            if (cycle == 0) first_png = q;
            if (!same_prediction(&p, &first[i]) || !same_prediction(&q, &first_png)) mismatches++;
        }
        if (!m->soak_skip_free) glasses_classifier_free(&h);
        if (cycle + 1 == warm) rss_warm = rss_kib();
    }
    const long rss_end = rss_kib();
    const double wall = now_s() - t0;
    free(scratch);
    CHECK(errors == 0, "soak: %d of %d cycles failed", errors, cycles);
    CHECK(mismatches == 0, "soak: %d of %d cycles gave another answer than the first ones", mismatches, cycles);
    const long growth = rss_warm >= 0 && rss_end >= 0 ? rss_end - rss_warm : 0;
    if (rss_warm < 0 || rss_end < 0) {
        printf("SKIP soak RSS check: /proc/self/statm is not readable\n");
    } else if (m->soak_max_growth_kib >= 0) {
        CHECK(rss_warm > 1024 && growth <= m->soak_max_growth_kib,
              "soak: RSS grew from %ld KiB (cycle %d) to %ld KiB (cycle %d): +%ld KiB, bound %ld KiB", rss_warm, warm,
              rss_end, cycles, growth, m->soak_max_growth_kib);
    }
    printf("soak: cycles=%d warm_cycle=%d rss_warm_kib=%ld rss_end_kib=%ld growth_kib=%ld bound_kib=%ld errors=%d "
           "mismatches=%d wall_s=%.2f per_cycle_ms=%.3f%s\n",
           cycles, warm, rss_warm, rss_end, growth, m->soak_max_growth_kib, errors, mismatches, wall,
           wall * 1000.0 / cycles, m->soak_skip_free ? " (handles leaked on purpose: soak_skip_free)" : "");
}

/* ---------------------------------------------------------------- camera frames */

/* An NV21 frame stored rotated (Android's YUV_420_888 with pixel stride 2), whole and with a face
   box, against core's answers; then every kind of impossible geometry. */
/* Issue 27: face boxes far larger than the picture and camera frames whose old decimation
   overflowed. What the model sees is sampled from the picture, never materialised: every box ends
   in a result or a typed error, a uniform picture gives the uniform answer for every box size, and
   memory stays bounded (checked natively; under valgrind RSS is valgrind's). */
static void uniform_nv21(unsigned char *y, unsigned char *vu, unsigned char luma, GlassesYuvFrame *f) {
    memset(y, luma, 4);
    vu[0] = 128; /* V */
    vu[1] = 128; /* U */
    memset(f, 0, sizeof *f);
    f->y = y;
    f->y_len = 4;
    f->y_row_stride = 2;
    f->u = vu + 1;
    f->u_len = 1;
    f->v = vu;
    f->v_len = 2;
    f->uv_row_stride = 2;
    f->uv_pixel_stride = 2;
    f->width = 2;
    f->height = 2;
}

static void test_huge_regions(const Manifest *m, const unsigned char *model, size_t model_len) {
    GlassesOptions unlimited = glasses_options_default();
    unlimited.max_pixels = UINT64_MAX;
    GlassesClassifier *big = NULL;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &unlimited, &big), GLASSES_STATUS_OK,
                 "classifier without a pixel limit");
    if (!big) return;
    const long before = peak_rss_kib();

    /* A 1x1 RGBA picture and a 3,900 px box (163 MB materialised before the fix). */
    const unsigned char one[4] = {200, 120, 90, 255};
    GlassesResult whole, r;
    CHECK_STATUS(glasses_classify_pixels_region(big, one, 4, 1, 1, 4, GLASSES_PIXEL_FORMAT_RGBA8, NULL, &whole),
                 GLASSES_STATUS_OK, "1x1 RGBA whole");
    const GlassesFaceBox huge = {-1950.0f, -1950.0f, 3900.0f, 3900.0f};
    CHECK_STATUS(glasses_classify_pixels_region(big, one, 4, 1, 1, 4, GLASSES_PIXEL_FORMAT_RGBA8, &huge, &r),
                 GLASSES_STATUS_OK, "1x1 RGBA, 3900 px box");
    CHECK_CLOSE(r.probability, whole.probability, 1e-4, "1x1 RGBA, 3900 px box: the uniform answer");

    /* 2x2 NV21 frames, uniform: every box size (the old decimation steps 1 to ~4,100, past the
       i32 overflow at 182 and the division by zero at 4,096) gives the whole frame's answer. */
    const unsigned char lumas[2] = {255, 90};
    const float sides[] = {1.0f, 50.0f, 19000.0f, 19300.0f, 33000.0f, 433000.0f};
    for (int l = 0; l < 2; l++) {
        unsigned char y[4], vu[2];
        GlassesYuvFrame f;
        uniform_nv21(y, vu, lumas[l], &f);
        GlassesResult frame;
        CHECK_STATUS(glasses_classify_yuv(big, &f, NULL, &frame), GLASSES_STATUS_OK, "2x2 NV21 whole");
        for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
            const float side = sides[i];
            const GlassesFaceBox box = {1.0f - side / 2.0f, 1.0f - side / 2.0f, side, side};
            char what[96];
            snprintf(what, sizeof what, "2x2 NV21 of %u, %.0f px box", lumas[l], (double)side);
            CHECK_STATUS(glasses_classify_yuv(big, &f, &box, &r), GLASSES_STATUS_OK, what);
            CHECK_CLOSE(r.probability, frame.probability, 1e-4, what);
        }
        /* Very elongated: 38,000,000 x 0.3 px (186 MB and seconds before the fix). */
        const GlassesFaceBox sliver = {-19000000.0f, 0.8f, 38000000.0f, 0.3f};
        CHECK_STATUS(glasses_classify_yuv(big, &f, &sliver, &r), GLASSES_STATUS_OK, "38,000,000 x 0.3 box");
        CHECK_CLOSE(r.probability, frame.probability, 1e-4, "38,000,000 x 0.3 box: the uniform answer");
    }

    /* An I420 frame declared 720896x884736 over a short buffer: refused, never a panic. */
    unsigned char tiny[64] = {0};
    GlassesYuvFrame liar = {0};
    liar.y = tiny;
    liar.y_len = sizeof tiny;
    liar.y_row_stride = 720896;
    liar.u = tiny;
    liar.u_len = sizeof tiny;
    liar.v = tiny;
    liar.v_len = sizeof tiny;
    liar.uv_row_stride = 720896 / 2;
    liar.uv_pixel_stride = 1;
    liar.width = 720896;
    liar.height = 884736;
    CHECK_STATUS(glasses_classify_yuv(big, &liar, NULL, &r), GLASSES_STATUS_INVALID_PIXEL_BUFFER,
                 "I420 declared 720896x884736 over 64 bytes");

    const long after = peak_rss_kib();
    if (before >= 0 && after >= 0 && m->soak_max_growth_kib >= 0)
        CHECK(after - before <= 32 * 1024, "peak RSS grew by %ld KiB for boxes far larger than the picture",
              after - before);
    glasses_classifier_free(&big);
}

static void test_yuv(const Manifest *m, const GlassesClassifier *c) {
    size_t y_len = 0, vu_len = 0;
    unsigned char *y = read_file(m->yuv_y, &y_len);
    unsigned char *vu = read_file(m->yuv_vu, &vu_len);
    CHECK(y != NULL && vu != NULL, "YUV inputs readable");
    if (!y || !vu) {
        free(y);
        free(vu);
        return;
    }
    GlassesYuvFrame f = {0};
    f.y = y;
    f.y_len = y_len;
    f.y_row_stride = m->yuv_width;
    f.u = vu + 1; /* NV21: V first, U second, in one interleaved plane */
    f.u_len = vu_len - 1;
    f.v = vu;
    f.v_len = vu_len;
    f.uv_row_stride = m->yuv_width;
    f.uv_pixel_stride = 2;
    f.width = m->yuv_width;
    f.height = m->yuv_height;
    f.range = 0;
    f.rotation_degrees = m->yuv_rotation;
    GlassesResult r;
    CHECK_STATUS(glasses_classify_yuv(c, &f, NULL, &r), GLASSES_STATUS_OK, "yuv whole frame");
    CHECK_CLOSE(r.probability, m->yuv_expect, 1e-6, "yuv whole frame");
    GlassesFaceBox face = {8.0f, 10.0f, 20.0f, 24.0f};
    CHECK_STATUS(glasses_classify_yuv(c, &f, &face, &r), GLASSES_STATUS_OK, "yuv face");
    CHECK_CLOSE(r.probability, m->yuv_expect_face, 1e-6, "yuv face");

    /* The frame `f` with one field changed must fail with `want`. */
#define CHECK_BAD_FRAME(field, value, want, what)                                  \
    do {                                                                           \
        GlassesYuvFrame bad = f;                                                   \
        bad.field = (value);                                                       \
        CHECK_STATUS(glasses_classify_yuv(c, &bad, NULL, &r), GLASSES_STATUS_##want, what); \
    } while (0)
    CHECK_BAD_FRAME(width, f.width - 1, INVALID_PIXEL_BUFFER, "odd width");
    CHECK_BAD_FRAME(y_len, y_len - 1, INVALID_PIXEL_BUFFER, "short Y plane");
    CHECK_BAD_FRAME(v_len, vu_len / 2, INVALID_PIXEL_BUFFER, "short V plane");
    CHECK_BAD_FRAME(uv_row_stride, 3, INVALID_PIXEL_BUFFER, "chroma stride");
    CHECK_BAD_FRAME(uv_pixel_stride, 3, INVALID_PIXEL_BUFFER, "pixel stride");
    CHECK_BAD_FRAME(rotation_degrees, 45, INVALID_PIXEL_BUFFER, "rotation 45");
    CHECK_BAD_FRAME(range, 7, INVALID_ARGUMENT, "unknown range");
    CHECK_BAD_FRAME(y, NULL, NULL_ARGUMENT, "NULL Y plane");
#undef CHECK_BAD_FRAME
    CHECK_STATUS(glasses_classify_yuv(c, NULL, NULL, &r), GLASSES_STATUS_NULL_ARGUMENT, "NULL frame");
    GlassesFaceBox outside = {1000.0f, 0.0f, 10.0f, 10.0f};
    CHECK_STATUS(glasses_classify_yuv(c, &f, &outside, &r), GLASSES_STATUS_INVALID_REGION, "box outside");
    free(y);
    free(vu);
}

/* ---------------------------------------------------------------- golden */

/* A GlassesResult matches a golden case: probability, decision, kind and class probabilities. */
static void check_golden_result(const GoldenCase *g, const GlassesResult *r, const char *how) {
    CHECK_CLOSE(r->probability, g->probability, g->tolerance, g->path);
    CHECK(r->has_glasses == (g->has_glasses != 0), "%s (%s): has_glasses", g->path, how);
    CHECK((int)r->eyewear == g->eyewear, "%s (%s): eyewear %u, golden %d", g->path, how, r->eyewear, g->eyewear);
    CHECK(((int)r->eyewear == GLASSES_EYEWEAR_EYEGLASSES) == r->has_glasses, "%s: kind agrees with has_glasses", g->path);
    CHECK_CLOSE(r->probability_none, g->p_none, g->tolerance, g->path);
    CHECK(r->has_sunglasses_class == (g->p_sunglasses >= 0.0), "%s (%s): has_sunglasses_class", g->path, how);
    if (g->p_sunglasses >= 0.0) {
        CHECK_CLOSE(r->probability_sunglasses, g->p_sunglasses, g->tolerance, g->path);
    } else {
        CHECK(isnan(r->probability_sunglasses), "%s: no sunglasses class, probability must be NaN", g->path);
    }
}

/* The classifier of the golden fixtures for the checks named `what`, which need `count` of its
   cases (or group pictures); NULL, with a SKIP line, when golden.json is absent. */
static GlassesClassifier *golden_classifier(const Manifest *m, const char *what, int count) {
    if (m->golden_absent[0]) {
        printf("SKIP %s: %s is absent\n", what, m->golden_absent);
        return NULL;
    }
    CHECK(count > 0, "%s: golden.json lists none", what);
    GlassesClassifier *c = NULL;
    CHECK_STATUS(glasses_classifier_new_from_file(m->golden_model, NULL, &c), GLASSES_STATUS_OK, m->golden_model);
    return c;
}

static void test_golden(const Manifest *m) {
    GlassesClassifier *c = golden_classifier(m, "golden fixtures", m->golden_count);
    if (!c) return;
    for (int i = 0; i < m->golden_count; i++) {
        const GoldenCase *g = &m->golden[i];
        size_t len = 0;
        unsigned char *img = read_file(g->path, &len);
        CHECK(img != NULL, "golden image %s readable", g->path);
        if (!img) continue;
        GlassesFaceBox face = {g->box[0], g->box[1], g->box[2], g->box[3]};
        const GlassesFaceBox *region = g->is_region ? &face : NULL;
        if (!g->is_region) {
            GlassesPrediction p;
            CHECK_STATUS(glasses_classify_encoded(c, img, len, &p), GLASSES_STATUS_OK, g->path);
            CHECK_CLOSE(p.probability, g->probability, g->tolerance, g->path);
            CHECK(p.has_glasses == (g->has_glasses != 0), "%s: has_glasses %d, golden %d", g->path, p.has_glasses,
                  g->has_glasses);
        }
        GlassesResult r;
        memset(&r, 0xff, sizeof r);
        CHECK_STATUS(glasses_classify_encoded_region(c, img, len, region, &r), GLASSES_STATUS_OK, g->path);
        check_golden_result(g, &r, "encoded");
        free(img);
        if (!g->is_region) continue;
        /* The same region from raw RGBA bytes and from 0xAARRGGBB integers. */
        size_t rgba_len = 0;
        unsigned char *rgba = read_file(g->rgba_path, &rgba_len);
        CHECK(rgba != NULL && rgba_len == (size_t)g->width * g->height * 4, "raw RGBA %s", g->rgba_path);
        if (!rgba || rgba_len != (size_t)g->width * g->height * 4) {
            free(rgba);
            continue;
        }
        memset(&r, 0xff, sizeof r);
        CHECK_STATUS(glasses_classify_pixels_region(c, rgba, rgba_len, g->width, g->height, (size_t)g->width * 4,
                                                    GLASSES_PIXEL_FORMAT_RGBA8, &face, &r),
                     GLASSES_STATUS_OK, g->rgba_path);
        check_golden_result(g, &r, "rgba");
        size_t n = (size_t)g->width * g->height;
        uint32_t *argb = malloc(n * sizeof *argb);
        CHECK(argb != NULL, "malloc");
        if (argb) {
            for (size_t i = 0; i < n; i++)
                argb[i] = 0xff000000u | (uint32_t)rgba[4 * i] << 16 | (uint32_t)rgba[4 * i + 1] << 8 | rgba[4 * i + 2];
            memset(&r, 0xff, sizeof r);
            CHECK_STATUS(glasses_classify_argb_region(c, argb, n, g->width, g->height, g->width, &face, &r),
                         GLASSES_STATUS_OK, g->rgba_path);
            check_golden_result(g, &r, "argb");
            /* Boxes that cannot be used are a status and a message, never a crash. */
            const GlassesFaceBox bad[] = {
                {NAN, 0.0f, 10.0f, 10.0f},
                {0.0f, 0.0f, 0.0f, 10.0f},
                {0.0f, 0.0f, 10.0f, -3.0f},
                {(float)g->width + 5.0f, 0.0f, 10.0f, 10.0f},
                {0.0f, -50.0f, 10.0f, 10.0f},
                {0.0f, 0.0f, INFINITY, 10.0f},
            };
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                CHECK_STATUS(glasses_classify_argb_region(c, argb, n, g->width, g->height, g->width, &bad[b], &r),
                             GLASSES_STATUS_INVALID_REGION, "bad face box");
                CHECK(strstr(glasses_last_error_message(), "invalid face region") != NULL, "message: %s",
                      glasses_last_error_message());
            }
            free(argb);
        }
        free(rgba);
    }
    glasses_classifier_free(&c);
    printf("golden fixtures: %d cases checked\n", m->golden_count);
}

/* ---------------------------------------------------------------- inference threads */

/* Two results are the same bits: the inference split over threads sums in the same order. */
static int same_result(const GlassesResult *a, const GlassesResult *b) {
    return a->has_glasses == b->has_glasses && a->eyewear == b->eyewear && a->has_face == b->has_face &&
           a->has_sunglasses_class == b->has_sunglasses_class &&
           memcmp(&a->probability, &b->probability, sizeof a->probability) == 0 &&
           memcmp(&a->probability_none, &b->probability_none, sizeof a->probability_none) == 0 &&
           memcmp(&a->probability_sunglasses, &b->probability_sunglasses, sizeof a->probability_sunglasses) == 0;
}

/* glasses_classifier_with_threads: 2, 4 and 0 (one per core) threads answer every golden case
   with the bits of 1 thread, the derived handle outlives the one it came from, and counts over
   GLASSES_MAX_INFERENCE_THREADS are a typed error. */
static void test_inference_threads(const Manifest *m) {
    GlassesClassifier *one = golden_classifier(m, "inference threads", m->golden_count);
    if (!one) return;
    GlassesResult want[MAX_GOLDEN];
    for (int i = 0; i < m->golden_count; i++) {
        const GoldenCase *g = &m->golden[i];
        size_t len = 0;
        unsigned char *img = read_file(g->path, &len);
        CHECK(img != NULL, "golden image %s readable", g->path);
        GlassesFaceBox face = {g->box[0], g->box[1], g->box[2], g->box[3]};
        memset(&want[i], 0xff, sizeof want[i]);
        if (img) {
            CHECK_STATUS(glasses_classify_encoded_region(one, img, len, g->is_region ? &face : NULL, &want[i]),
                         GLASSES_STATUS_OK, g->path);
            check_golden_result(g, &want[i], "1 thread");
        }
        free(img);
    }
    const uint32_t counts[] = {2, 4, 0};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        GlassesClassifier *split = NULL;
        CHECK_STATUS(glasses_classifier_with_threads(one, counts[k], &split), GLASSES_STATUS_OK, "with_threads");
        CHECK(split != NULL && split != one, "with_threads(%u): a new handle", counts[k]);
        if (!split) continue;
        if (counts[k] == 4) {
            /* The derived handle shares the model: it keeps working once the first one is freed. */
            glasses_classifier_free(&one);
            CHECK(one == NULL, "free sets the variable to NULL");
        }
        for (int i = 0; i < m->golden_count; i++) {
            const GoldenCase *g = &m->golden[i];
            size_t len = 0;
            unsigned char *img = read_file(g->path, &len);
            if (!img) continue;
            GlassesFaceBox face = {g->box[0], g->box[1], g->box[2], g->box[3]};
            GlassesResult r;
            memset(&r, 0xff, sizeof r);
            CHECK_STATUS(glasses_classify_encoded_region(split, img, len, g->is_region ? &face : NULL, &r),
                         GLASSES_STATUS_OK, g->path);
            CHECK(same_result(&r, &want[i]), "%s, %u threads: P %.9f, 1 thread %.9f", g->path, counts[k],
                  (double)r.probability, (double)want[i].probability);
            free(img);
        }
        if (!one) one = split; /* the 4-thread handle derives the next one */
        else glasses_classifier_free(&split);
        CHECK(split == NULL || split == one, "free sets the variable to NULL");
    }
    const uint32_t too_many[] = {GLASSES_MAX_INFERENCE_THREADS + 1, 64, UINT32_MAX};
    for (size_t k = 0; k < sizeof too_many / sizeof too_many[0]; k++) {
        int garbage = 0;
        GlassesClassifier *none = (GlassesClassifier *)&garbage; /* the call must clear it */
        CHECK_STATUS(glasses_classifier_with_threads(one, too_many[k], &none), GLASSES_STATUS_INVALID_ARGUMENT,
                     "too many threads");
        CHECK(none == NULL, "no handle after a failure");
        CHECK(strstr(glasses_last_error_message(), "threads") != NULL, "message names the option: %s",
              glasses_last_error_message());
    }
    GlassesClassifier *none = NULL;
    CHECK_STATUS(glasses_classifier_with_threads(NULL, 2, &none), GLASSES_STATUS_NULL_ARGUMENT, "NULL handle");
    CHECK_STATUS(glasses_classifier_with_threads(one, 2, NULL), GLASSES_STATUS_NULL_ARGUMENT, "NULL out");
    glasses_classifier_free(&one);
    CHECK(one == NULL, "free sets the variable to NULL");
    printf("inference threads: %d golden cases at 2, 4 and 0 threads\n", m->golden_count);
}

/* ---------------------------------------------------------------- one entry point, turned pictures */

/* The picture stored so that turning it `degrees` clockwise, then mirroring it if `mirrored`,
   gives `up` (uw x uh pixels of bpp bytes, rows packed): `up` mirrored back, then turned
   counter-clockwise. Its size goes to *sw x *sh; NULL when out of memory. */
static unsigned char *turn_stored(const unsigned char *up, unsigned uw, unsigned uh, size_t bpp, unsigned degrees,
                                  int mirrored, unsigned *sw, unsigned *sh) {
    const int quarter = degrees % 180 == 90;
    *sw = quarter ? uh : uw;
    *sh = quarter ? uw : uh;
    unsigned char *out = malloc((size_t)uw * uh * bpp);
    if (!out) return NULL;
    for (unsigned y = 0; y < *sh; y++) {
        for (unsigned x = 0; x < *sw; x++) {
            /* The position of the (mirrored-back) upright picture that the counter-clockwise turn
               puts at (x, y). */
            unsigned ax = x, ay = y;
            if (degrees == 90) {
                ax = uw - 1 - y;
                ay = x;
            } else if (degrees == 180) {
                ax = uw - 1 - x;
                ay = uh - 1 - y;
            } else if (degrees == 270) {
                ax = y;
                ay = uh - 1 - x;
            }
            const unsigned ux = mirrored ? uw - 1 - ax : ax;
            memcpy(out + ((size_t)y * *sw + x) * bpp, up + ((size_t)ay * uw + ux) * bpp, bpp);
        }
    }
    return out;
}

static const unsigned TURN_DEGREES[4] = {0, 90, 180, 270};

/* The request that turns a picture stored for turn t (0-7: four rotations, then the same
   mirrored) upright, with the case's face box. */
static GlassesRequest turn_request(const GoldenCase *g, int t) {
    GlassesRequest req = glasses_request_default();
    req.rotation_degrees = TURN_DEGREES[t % 4];
    req.mirrored = t >= 4;
    req.has_face = g->is_region != 0;
    req.face = (GlassesFaceBox){g->box[0], g->box[1], g->box[2], g->box[3]};
    return req;
}

/* glasses_classify on every input kind: errors, defaults, and a box that exists only once the
   picture is turned. */
static void test_classify_entry(const Manifest *m, const GlassesClassifier *c, const unsigned char *png,
                                size_t png_len) {
    GlassesResult r, want;
    GlassesPrediction p;
    const GlassesInput encoded = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = png, .bytes_len = png_len};
    GlassesRequest req = glasses_request_default();
    CHECK(req.rotation_degrees == 0 && !req.mirrored && !req.has_face, "default request is upright, whole picture");
    CHECK_STATUS(glasses_classify(c, &encoded, &req, &want), GLASSES_STATUS_OK, "glasses_classify encoded");
    CHECK_CLOSE(want.probability, m->expect_color, 1e-6, "glasses_classify encoded");
    CHECK_STATUS(glasses_classify(c, &encoded, NULL, &r), GLASSES_STATUS_OK, "NULL request");
    CHECK(r.probability == want.probability, "a NULL request is the default request");
    CHECK_STATUS(glasses_classify_encoded(c, png, png_len, &p), GLASSES_STATUS_OK, "classify_encoded");
    CHECK(p.probability == want.probability, "the 0.1.0 function takes the same path");

    CHECK_STATUS(glasses_classify(c, NULL, &req, &r), GLASSES_STATUS_NULL_ARGUMENT, "NULL input");
    CHECK(strstr(glasses_last_error_message(), "input") != NULL, "message: %s", glasses_last_error_message());
    CHECK_STATUS(glasses_classify(c, &encoded, &req, NULL), GLASSES_STATUS_NULL_ARGUMENT, "NULL out");
    CHECK_STATUS(glasses_classify(NULL, &encoded, &req, &r), GLASSES_STATUS_NULL_ARGUMENT, "NULL classifier");
    GlassesInput bad = encoded;
    bad.kind = 99;
    CHECK_STATUS(glasses_classify(c, &bad, &req, &r), GLASSES_STATUS_INVALID_ARGUMENT, "unknown input kind");
    CHECK(strstr(glasses_last_error_message(), "unknown input kind 99") != NULL, "message: %s",
          glasses_last_error_message());
    bad = encoded;
    bad.bytes = NULL;
    CHECK_STATUS(glasses_classify(c, &bad, &req, &r), GLASSES_STATUS_NULL_ARGUMENT, "NULL bytes");
    const unsigned bad_turns[] = {45, 360, 1, 0xffffffffu};
    for (size_t i = 0; i < sizeof bad_turns / sizeof bad_turns[0]; i++) {
        GlassesRequest turn = req;
        turn.rotation_degrees = bad_turns[i];
        CHECK_STATUS(glasses_classify(c, &encoded, &turn, &r), GLASSES_STATUS_INVALID_PIXEL_BUFFER, "bad rotation");
        CHECK(strstr(glasses_last_error_message(), "rotation of") != NULL, "message: %s", glasses_last_error_message());
    }
    const GlassesInput folder = {.kind = GLASSES_INPUT_KIND_PATH, .path = "/"};
    CHECK_STATUS(glasses_classify(c, &folder, &req, &r), GLASSES_STATUS_NOT_A_REGULAR_FILE, "a folder");
    const GlassesInput no_path = {.kind = GLASSES_INPUT_KIND_PATH};
    CHECK_STATUS(glasses_classify(c, &no_path, &req, &r), GLASSES_STATUS_NULL_ARGUMENT, "NULL path");
    const GlassesInput by_path = {.kind = GLASSES_INPUT_KIND_PATH, .path = m->image_png};
    CHECK_STATUS(glasses_classify(c, &by_path, &req, &r), GLASSES_STATUS_OK, "path");
    CHECK(r.probability == want.probability, "a file and its bytes agree");

    size_t rgb_len = 0;
    unsigned char *rgb = read_file(m->rgb_raw, &rgb_len);
    CHECK(rgb != NULL, "raw RGB readable");
    if (!rgb) return;
    GlassesInput pixels = {.kind = GLASSES_INPUT_KIND_PIXELS, .bytes = rgb, .bytes_len = rgb_len, .width = m->width,
                           .height = m->height, .stride = (size_t)m->width * 3, .format = GLASSES_PIXEL_FORMAT_RGB8};
    CHECK_STATUS(glasses_classify(c, &pixels, &req, &r), GLASSES_STATUS_OK, "pixels");
    CHECK_CLOSE(r.probability, m->expect_color, 1e-6, "pixels");
    pixels.format = 42;
    CHECK_STATUS(glasses_classify(c, &pixels, &req, &r), GLASSES_STATUS_INVALID_ARGUMENT, "unknown pixel format");
    pixels.format = GLASSES_PIXEL_FORMAT_RGB8;
    /* A box below the stored picture's last row, but inside the picture turned a quarter (its
       upright height is the stored width). */
    GlassesRequest tall = req;
    tall.has_face = true;
    tall.face = (GlassesFaceBox){2.0f, (float)m->height + 2.0f, 10.0f, 6.0f};
    CHECK_STATUS(glasses_classify(c, &pixels, &tall, &r), GLASSES_STATUS_INVALID_REGION, "box below the picture");
    tall.rotation_degrees = 90;
    CHECK_STATUS(glasses_classify(c, &pixels, &tall, &r), GLASSES_STATUS_OK, "box inside the turned picture");

    uint32_t *argb = malloc((size_t)m->width * m->height * sizeof *argb + sizeof *argb);
    CHECK(argb != NULL, "malloc");
    if (argb) {
        for (size_t i = 0; i < (size_t)m->width * m->height; i++)
            argb[i] = 0xff000000u | (uint32_t)rgb[3 * i] << 16 | (uint32_t)rgb[3 * i + 1] << 8 | rgb[3 * i + 2];
        GlassesInput ints = {.kind = GLASSES_INPUT_KIND_ARGB, .argb = argb, .argb_len = (size_t)m->width * m->height,
                             .width = m->width, .height = m->height, .stride = m->width};
        CHECK_STATUS(glasses_classify(c, &ints, &req, &r), GLASSES_STATUS_OK, "argb");
        CHECK_CLOSE(r.probability, m->expect_color, 1e-6, "argb");
        ints.argb = (const uint32_t *)((const unsigned char *)argb + 1);
        CHECK_STATUS(glasses_classify(c, &ints, &req, &r), GLASSES_STATUS_INVALID_ARGUMENT, "misaligned argb");
        free(argb);
    }
    free(rgb);
}

/* Every golden picture stored turned each of the eight ways, passed with the rotation and mirror
   that turn it upright (and its face box in upright pixels), gives the upright golden answer: as
   RGBA bytes, ARGB integers, an encoded PNG and the same PNG by path. */
static void test_turned(const Manifest *m) {
    GlassesClassifier *c = golden_classifier(m, "turned pictures", m->golden_count);
    if (!c) return;
    int turned = 0, wrong_turns_noticed = 0;
    for (int i = 0; i < m->golden_count; i++) {
        const GoldenCase *g = &m->golden[i];
        size_t rgba_len = 0;
        unsigned char *rgba = read_file(g->rgba_path, &rgba_len);
        const int ok = rgba != NULL && rgba_len == (size_t)g->width * g->height * 4;
        CHECK(ok, "raw RGBA %s", g->rgba_path);
        for (int t = 0; ok && t < m->golden_turns && t < 8; t++) {
            const GlassesRequest req = turn_request(g, t);
            char how[64];
            snprintf(how, sizeof how, "turned %u%s", req.rotation_degrees, req.mirrored ? " mirrored" : "");
            unsigned sw = 0, sh = 0;
            unsigned char *px = turn_stored(rgba, g->width, g->height, 4, req.rotation_degrees, req.mirrored, &sw, &sh);
            const size_t n = (size_t)sw * sh;
            uint32_t *argb = malloc(n * sizeof *argb);
            CHECK(px != NULL && argb != NULL, "malloc");
            if (px && argb) {
                GlassesResult r;
                const GlassesInput bytes = {.kind = GLASSES_INPUT_KIND_PIXELS, .bytes = px, .bytes_len = n * 4,
                                            .width = sw, .height = sh, .stride = (size_t)sw * 4,
                                            .format = GLASSES_PIXEL_FORMAT_RGBA8};
                memset(&r, 0xff, sizeof r);
                CHECK_STATUS(glasses_classify(c, &bytes, &req, &r), GLASSES_STATUS_OK, how);
                check_golden_result(g, &r, how);
                for (size_t k = 0; k < n; k++)
                    argb[k] = 0xff000000u | (uint32_t)px[4 * k] << 16 | (uint32_t)px[4 * k + 1] << 8 | px[4 * k + 2];
                const GlassesInput ints = {.kind = GLASSES_INPUT_KIND_ARGB, .argb = argb, .argb_len = n, .width = sw,
                                           .height = sh, .stride = sw};
                memset(&r, 0xff, sizeof r);
                CHECK_STATUS(glasses_classify(c, &ints, &req, &r), GLASSES_STATUS_OK, how);
                check_golden_result(g, &r, how);
                if (t == 1) {
                    /* Negative control: the quarter-turned picture read with the opposite turn is
                       another picture, so the checks above can fail. */
                    GlassesRequest wrong = req;
                    wrong.rotation_degrees = 270;
                    if (glasses_classify(c, &ints, &wrong, &r) == GLASSES_STATUS_OK &&
                        fabs((double)r.probability - g->probability) > g->tolerance)
                        wrong_turns_noticed++;
                }
            }
            free(px);
            free(argb);
            char png_path[4200];
            snprintf(png_path, sizeof png_path, "%s-%u-%d.png", g->turned_prefix, req.rotation_degrees, req.mirrored);
            size_t png_len = 0;
            unsigned char *png = read_file(png_path, &png_len);
            CHECK(png != NULL, "turned PNG %s readable", png_path);
            if (png) {
                GlassesResult r;
                const GlassesInput encoded = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = png, .bytes_len = png_len};
                memset(&r, 0xff, sizeof r);
                CHECK_STATUS(glasses_classify(c, &encoded, &req, &r), GLASSES_STATUS_OK, png_path);
                check_golden_result(g, &r, how);
                const GlassesInput file = {.kind = GLASSES_INPUT_KIND_PATH, .path = png_path};
                memset(&r, 0xff, sizeof r);
                CHECK_STATUS(glasses_classify(c, &file, &req, &r), GLASSES_STATUS_OK, png_path);
                check_golden_result(g, &r, how);
                free(png);
            }
            turned++;
        }
        free(rgba);
    }
    CHECK(wrong_turns_noticed >= m->golden_count / 2, "a wrong turn changed only %d of %d answers", wrong_turns_noticed,
          m->golden_count);
    printf("turned pictures: %d checked, a wrong turn noticed on %d of %d\n", turned, wrong_turns_noticed,
           m->golden_count);
    glasses_classifier_free(&c);
}

/* RGBA (w x h, both even) as a full-range BT.601 NV21 frame in `y` (w*h bytes) and `vu` (w*h/2
   bytes), and the GlassesInput that reads it. */
static GlassesInput nv21_input(const unsigned char *rgba, unsigned w, unsigned h, unsigned char *y, unsigned char *vu) {
    for (size_t k = 0; k < (size_t)w * h; k++)
        y[k] = (unsigned char)(0.299 * rgba[4 * k] + 0.587 * rgba[4 * k + 1] + 0.114 * rgba[4 * k + 2] + 0.5);
    for (unsigned cy = 0; cy < h / 2; cy++) {
        for (unsigned cx = 0; cx < w / 2; cx++) {
            const unsigned char *p = rgba + ((size_t)2 * cy * w + 2 * cx) * 4;
            const double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            const double v = (p[0] - l) / 1.402 + 128.5, u = (p[2] - l) / 1.772 + 128.5;
            vu[((size_t)cy * (w / 2) + cx) * 2] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
            vu[((size_t)cy * (w / 2) + cx) * 2 + 1] = (unsigned char)(u < 0 ? 0 : u > 255 ? 255 : u);
        }
    }
    GlassesInput in = {.kind = GLASSES_INPUT_KIND_YUV};
    in.yuv = (GlassesYuvFrame){.y = y, .y_len = (size_t)w * h, .y_row_stride = w, .u = vu + 1,
                               .u_len = (size_t)w * h / 2 - 1, .v = vu, .v_len = (size_t)w * h / 2,
                               .uv_row_stride = w, .uv_pixel_stride = 2, .width = w, .height = h};
    return in;
}

/* A YUV frame of each golden picture with even sides (NV21, BT.601 full range, converted here),
   its planes stored turned each of the eight ways: the request's rotation, the frame's own
   rotation and glasses_classify_yuv all give the upright frame's answer. */
static void test_turned_yuv(const Manifest *m) {
    GlassesClassifier *c = golden_classifier(m, "turned camera frames", m->golden_count);
    if (!c) return;
    int frames = 0;
    for (int i = 0; i < m->golden_count; i++) {
        const GoldenCase *g = &m->golden[i];
        if (g->width % 2 || g->height % 2) continue;
        size_t rgba_len = 0;
        unsigned char *rgba = read_file(g->rgba_path, &rgba_len);
        const unsigned w = g->width, h = g->height;
        unsigned char *y = malloc((size_t)w * h), *vu = malloc((size_t)w * h / 2);
        CHECK(rgba && y && vu && rgba_len == (size_t)w * h * 4, "YUV inputs of %s", g->rgba_path);
        if (!rgba || !y || !vu || rgba_len != (size_t)w * h * 4) {
            free(rgba), free(y), free(vu);
            continue;
        }
        GlassesInput in = nv21_input(rgba, w, h, y, vu);
        GlassesResult want, r;
        const GlassesRequest upright = turn_request(g, 0);
        CHECK_STATUS(glasses_classify(c, &in, &upright, &want), GLASSES_STATUS_OK, "upright YUV");
        for (int t = 1; t < m->golden_turns && t < 8; t++) {
            const GlassesRequest req = turn_request(g, t);
            unsigned sw, sh, cw, ch;
            unsigned char *ty = turn_stored(y, w, h, 1, req.rotation_degrees, req.mirrored, &sw, &sh);
            unsigned char *tvu = turn_stored(vu, w / 2, h / 2, 2, req.rotation_degrees, req.mirrored, &cw, &ch);
            CHECK(ty && tvu, "malloc");
            if (ty && tvu) {
                GlassesInput turned = in;
                turned.yuv = (GlassesYuvFrame){.y = ty, .y_len = (size_t)sw * sh, .y_row_stride = sw, .u = tvu + 1,
                                               .u_len = (size_t)sw * sh / 2 - 1, .v = tvu, .v_len = (size_t)sw * sh / 2,
                                               .uv_row_stride = sw, .uv_pixel_stride = 2, .width = sw, .height = sh};
                char how[64];
                snprintf(how, sizeof how, "YUV turned %u%s", req.rotation_degrees, req.mirrored ? " mirrored" : "");
                CHECK_STATUS(glasses_classify(c, &turned, &req, &r), GLASSES_STATUS_OK, how);
                CHECK_CLOSE(r.probability, want.probability, 1e-4, how);
                CHECK_CLOSE(r.probability_none, want.probability_none, 1e-4, how);
                CHECK(r.eyewear == want.eyewear, "%s: eyewear %u vs %u", how, r.eyewear, want.eyewear);
                /* The frame's own rotation, through glasses_classify and the older function. */
                turned.yuv.rotation_degrees = req.rotation_degrees;
                turned.yuv.mirrored = req.mirrored;
                GlassesRequest face_only = upright;
                CHECK_STATUS(glasses_classify(c, &turned, &face_only, &r), GLASSES_STATUS_OK, how);
                CHECK_CLOSE(r.probability, want.probability, 1e-4, how);
                const GlassesFaceBox *face = upright.has_face ? &upright.face : NULL;
                CHECK_STATUS(glasses_classify_yuv(c, &turned.yuv, face, &r), GLASSES_STATUS_OK, how);
                CHECK_CLOSE(r.probability, want.probability, 1e-4, how);
            }
            free(ty);
            free(tvu);
        }
        frames++;
        free(rgba), free(y), free(vu);
    }
    CHECK(frames > 0, "no golden picture with even sides for the YUV check");
    printf("turned YUV frames: %d pictures, %d ways each\n", frames, m->golden_turns < 8 ? m->golden_turns : 8);
    glasses_classifier_free(&c);
}

/* The class names of a model info, comma-separated, as the manifest writes them. */
static void join_classes(const GlassesModelInfo *info, char *out, size_t size) {
    out[0] = '\0';
    for (uint32_t i = 0; i < info->num_classes && i < 8; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? "," : "", info->class_names[i]);
    }
}

/* The threshold a classifier made with `options` decides with (its model info's), -1 on failure. */
static double threshold_in_force(const unsigned char *model, size_t len, const GlassesOptions *options) {
    GlassesClassifier *c = NULL;
    GlassesModelInfo info;
    double threshold = -1.0;
    if (glasses_classifier_new_from_bytes(model, len, options, &c) == GLASSES_STATUS_OK &&
        glasses_classifier_model_info(c, &info) == GLASSES_STATUS_OK)
        threshold = info.threshold;
    glasses_classifier_free(&c);
    return threshold;
}

/* Issue 23: a NaN threshold (glasses_options_model_threshold()) leaves the decision to the model
   file's own threshold, or 0.5 for a file without one; glasses_options_default() and NULL keep
   0.5 whatever the file says, as in 0.1.0. `info` carries a threshold of its own, `plain` none. */
static void test_model_threshold(const Manifest *m, const unsigned char *info, size_t info_len,
                                 const unsigned char *plain, size_t plain_len) {
    GlassesOptions own = glasses_options_model_threshold();
    GlassesOptions defaults = glasses_options_default();
    CHECK(isnan(own.threshold) && own.max_pixels == defaults.max_pixels, "model-threshold options %f %llu",
          (double)own.threshold, (unsigned long long)own.max_pixels);
    CHECK(defaults.threshold == 0.5f, "default threshold %f", (double)defaults.threshold);
    double got = threshold_in_force(info, info_len, &own);
    CHECK(fabs(got - m->info_default_threshold) < 1e-6, "NaN: the file's threshold %f, want %f", got,
          m->info_default_threshold);
    CHECK(threshold_in_force(info, info_len, &defaults) == 0.5, "default options keep 0.5");
    CHECK(threshold_in_force(info, info_len, NULL) == 0.5, "NULL options keep 0.5");
    CHECK(threshold_in_force(plain, plain_len, &own) == 0.5, "NaN on a file without a threshold: 0.5");
    GlassesOptions set = own;
    set.threshold = 0.7f;
    CHECK(fabs(threshold_in_force(info, info_len, &set) - 0.7) < 1e-6, "a set threshold wins over the file's");
    /* The decision follows the threshold in force: the same picture decided at the file's
       threshold by the NaN options and by options that pass that number. */
    GlassesClassifier *by_nan = NULL, *by_number = NULL;
    set.threshold = (float)m->info_default_threshold;
    CHECK_STATUS(glasses_classifier_new_from_bytes(info, info_len, &own, &by_nan), GLASSES_STATUS_OK, "NaN options");
    CHECK_STATUS(glasses_classifier_new_from_bytes(info, info_len, &set, &by_number), GLASSES_STATUS_OK, "number");
    if (by_nan && by_number) {
        size_t png_len = 0;
        unsigned char *png = read_file(m->image_png, &png_len);
        const GlassesInput encoded = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = png, .bytes_len = png_len};
        GlassesResult a, b;
        CHECK_STATUS(glasses_classify(by_nan, &encoded, NULL, &a), GLASSES_STATUS_OK, "classify NaN");
        CHECK_STATUS(glasses_classify(by_number, &encoded, NULL, &b), GLASSES_STATUS_OK, "classify");
        CHECK(a.probability == b.probability && a.has_glasses == b.has_glasses && a.eyewear == b.eyewear,
              "same decision %f %d / %f %d", (double)a.probability, a.has_glasses, (double)b.probability,
              b.has_glasses);
        CHECK(a.has_glasses == (a.probability >= (float)m->info_default_threshold), "decided at the file's threshold");
        free(png);
    }
    glasses_classifier_free(&by_nan);
    glasses_classifier_free(&by_number);
}

static void test_model_info(const Manifest *m, const unsigned char *model, size_t model_len) {
    GlassesOptions opts = glasses_options_default();
    opts.threshold = 0.3f;
    GlassesClassifier *plain = NULL;
    CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, &opts, &plain), GLASSES_STATUS_OK, "plain model");
    GlassesModelInfo info;
    memset(&info, 0xab, sizeof info);
    CHECK_STATUS(glasses_classifier_model_info(plain, &info), GLASSES_STATUS_OK, "model_info");
    char classes[512];
    join_classes(&info, classes, sizeof classes);
    CHECK(strcmp(info.model_version, "") == 0, "plain version '%s'", info.model_version);
    CHECK(strcmp(info.architecture, m->info_architecture) == 0, "architecture %s", info.architecture);
    CHECK(info.num_classes == 2 && strcmp(classes, m->plain_classes) == 0, "plain classes %u %s, want %s",
          info.num_classes, classes, m->plain_classes);
    CHECK(info.input_width == m->plain_width && info.input_height == m->plain_width, "plain input %ux%u",
          info.input_width, info.input_height);
    CHECK(info.threshold == 0.3f, "the options' threshold, got %f", (double)info.threshold);
    CHECK(!info.has_model_default_threshold && isnan(info.model_default_threshold), "no model threshold, got %f",
          (double)info.model_default_threshold);
    CHECK(info.weight_precision == GLASSES_WEIGHT_PRECISION_FLOAT32, "plain precision %d", (int)info.weight_precision);

    size_t len = 0;
    unsigned char *bytes = read_file(m->info_model, &len);
    GlassesClassifier *c = NULL, *second = NULL;
    CHECK_STATUS(glasses_classifier_new_from_bytes(bytes, len, NULL, &c), GLASSES_STATUS_OK, "info model");
    test_model_threshold(m, bytes, len, model, model_len);
    free(bytes);
    if (c) {
        CHECK_STATUS(glasses_classifier_model_info(c, &info), GLASSES_STATUS_OK, "model_info");
        join_classes(&info, classes, sizeof classes);
        CHECK(strcmp(info.model_version, m->info_version) == 0, "version %s, want %s", info.model_version,
              m->info_version);
        CHECK(info.num_classes == 3 && strcmp(classes, m->info_classes) == 0, "classes %s, want %s", classes,
              m->info_classes);
        CHECK(info.input_width == m->info_width && info.input_height == m->info_height, "input %ux%u, want %ux%u",
              info.input_width, info.input_height, m->info_width, m->info_height);
        CHECK(info.threshold == glasses_options_default().threshold, "default threshold %f", (double)info.threshold);
        CHECK(info.has_model_default_threshold && fabs(info.model_default_threshold - m->info_default_threshold) < 1e-6,
              "model threshold %f, want %f", (double)info.model_default_threshold, m->info_default_threshold);
        CHECK(info.weight_precision == GLASSES_WEIGHT_PRECISION_INT8, "precision %d", (int)info.weight_precision);
        /* The strings are the handle's: the same pointers on every call, and a second handle's
           outlive the first. */
        GlassesModelInfo again;
        CHECK_STATUS(glasses_classifier_model_info(c, &again), GLASSES_STATUS_OK, "model_info again");
        CHECK(again.model_version == info.model_version && again.class_names == info.class_names, "stable pointers");
        CHECK_STATUS(glasses_classifier_with_accept_truncated(c, true, &second), GLASSES_STATUS_OK, "second handle");
        glasses_classifier_free(&c);
        if (second) {
            CHECK_STATUS(glasses_classifier_model_info(second, &info), GLASSES_STATUS_OK, "second model_info");
            join_classes(&info, classes, sizeof classes);
            CHECK(strcmp(info.model_version, m->info_version) == 0 && strcmp(classes, m->info_classes) == 0,
                  "second handle after the first is freed: %s %s", info.model_version, classes);
        }
        glasses_classifier_free(&second);
    }
    CHECK_STATUS(glasses_classifier_model_info(NULL, &info), GLASSES_STATUS_NULL_ARGUMENT, "NULL classifier");
    CHECK_STATUS(glasses_classifier_model_info(plain, NULL), GLASSES_STATUS_NULL_ARGUMENT, "NULL out");
    glasses_classifier_free(&plain);
}

/* ---------------------------------------------------------------- every face */

/* A detected face matches golden x, y, w, h, score (rounded to 0.01 pixel and 0.0001). */
static void check_face(const GlassesDetectedFace *f, const float want[5], const char *what) {
    const float got[5] = {f->face_box.x, f->face_box.y, f->face_box.width, f->face_box.height, f->score};
    for (int k = 0; k < 5; k++)
        CHECK(fabs((double)got[k] - (double)want[k]) <= (k == 4 ? 1e-3 : 0.05),
              "%s: face field %d is %.4f, golden %.4f", what, k, (double)got[k], (double)want[k]);
    /* The landmarks lie in and around the box (eyes above the mouth). */
    CHECK(f->landmarks[0].y < f->landmarks[3].y && f->landmarks[1].y < f->landmarks[4].y, "%s: eyes above mouth", what);
    for (int k = 0; k < 5; k++)
        CHECK(f->landmarks[k].x >= f->face_box.x - 1 && f->landmarks[k].x <= f->face_box.x + f->face_box.width + 1,
              "%s: landmark %d at x %.1f outside the box", what, k, (double)f->landmarks[k].x);
}

/* A result matches a golden group face's answer. */
static void check_face_answer(const GroupFace *want, const GlassesResult *r, double tolerance, const char *what) {
    CHECK_CLOSE(r->probability, want->probability, tolerance, what);
    CHECK_CLOSE(r->probability_none, want->p_none, tolerance, what);
    if (want->p_sunglasses >= 0.0) CHECK_CLOSE(r->probability_sunglasses, want->p_sunglasses, tolerance, what);
    CHECK(r->has_glasses == (want->has_glasses != 0), "%s: has_glasses", what);
    CHECK((int)r->eyewear == want->eyewear, "%s: eyewear %u, golden %d", what, r->eyewear, want->eyewear);
}

/* Every face of one group picture from `in`: detected, counted, classified; `how` names the input.
   `exact`: the input holds the picture's own pixels (encoded, file, RGBA), so boxes and answers
   are the golden ones; a YUV frame's are only close (its colours went through 4:2:0). */
static void check_group_input(const GlassesClassifier *c, const GoldenGroup *g, const GlassesInput *in,
                              const GlassesRequest *req, int exact, const char *how) {
    char what[4200];
    GlassesDetectedFace faces[MAX_GROUP_FACES + 1];
    size_t n = 99;
    snprintf(what, sizeof what, "%s (%s): detect", g->path, how);
    CHECK_STATUS(glasses_detect_faces(c, in, req, faces, MAX_GROUP_FACES + 1, &n), GLASSES_STATUS_OK, what);
    CHECK(n == (size_t)g->expected, "%s: %zu faces, golden %d", what, n, g->expected);
    for (size_t i = 0; i < n && i < (size_t)g->count; i++) {
        if (exact) {
            check_face(&faces[i], g->faces[i].face, what);
        } else {
            const float *w = g->faces[i].face;
            CHECK(fabs(faces[i].face_box.x - w[0]) < 4 && fabs(faces[i].face_box.y - w[1]) < 4 &&
                      fabs(faces[i].face_box.width - w[2]) < 4 && fabs(faces[i].face_box.height - w[3]) < 4,
                  "%s: face %zu at %.1f,%.1f %.1fx%.1f, golden %.1f,%.1f %.1fx%.1f", what, i,
                  (double)faces[i].face_box.x, (double)faces[i].face_box.y, (double)faces[i].face_box.width,
                  (double)faces[i].face_box.height, (double)w[0], (double)w[1], (double)w[2], (double)w[3]);
        }
    }
    GlassesFaceResult results[MAX_GROUP_FACES];
    snprintf(what, sizeof what, "%s (%s): classify faces", g->path, how);
    CHECK_STATUS(glasses_classify_faces(c, in, req, results, MAX_GROUP_FACES, &n), GLASSES_STATUS_OK, what);
    CHECK(n == (size_t)g->expected, "%s: %zu faces, golden %d", what, n, g->expected);
    for (size_t i = 0; i < n && i < (size_t)g->count; i++) {
        const GlassesFaceResult *r = &results[i];
        CHECK(r->result.has_face && memcmp(&r->result.face, &r->face, sizeof r->face) == 0,
              "%s: face %zu: the result names its face", what, i);
        if (exact) {
            check_face(&r->face, g->faces[i].face, what);
            check_face_answer(&g->faces[i], &r->result, g->tolerance, what);
        } else {
            CHECK((int)r->result.eyewear == g->faces[i].eyewear, "%s: face %zu eyewear %u, golden %d", what, i,
                  r->result.eyewear, g->faces[i].eyewear);
        }
    }
}

/* Every face of the drawn group pictures through every input kind, the face modes of
   glasses_classify, arrays too small, pictures without a face, the detector's settings, errors. */
static void test_faces(const Manifest *m) {
    GlassesClassifier *c = golden_classifier(m, "every face", m->group_count);
    if (!c) return;
    /* Under valgrind (fewer turns) every kind of call runs once, on the encoded picture. */
    const int thorough = m->golden_turns >= 8;
    char what[4200];
    GlassesRequest upright = glasses_request_default();
    CHECK(upright.face_mode == GLASSES_FACE_MODE_AUTO && !upright.has_face, "default request: auto, no box");
    for (int gi = 0; gi < m->group_count; gi++) {
        const GoldenGroup *g = &m->groups[gi];
        CHECK(g->count == g->expected && g->count >= 2, "%s: %d golden faces", g->path, g->count);
        size_t len = 0;
        unsigned char *img = read_file(g->path, &len);
        CHECK(img != NULL, "group picture %s readable", g->path);
        if (!img) continue;
        const GlassesInput encoded = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = img, .bytes_len = len};
        check_group_input(c, g, &encoded, &upright, 1, "encoded");

        /* Counting only, and an array too small: the count is every face, only the largest written. */
        size_t n = 99;
        CHECK_STATUS(glasses_detect_faces(c, &encoded, NULL, NULL, 0, &n), GLASSES_STATUS_OK, "count only");
        CHECK(n == (size_t)g->expected, "count only: %zu, golden %d", n, g->expected);
        GlassesFaceResult two[2];
        memset(two, 0xab, sizeof two);
        GlassesFaceResult untouched;
        memset(&untouched, 0xab, sizeof untouched);
        CHECK_STATUS(glasses_classify_faces(c, &encoded, NULL, two, 1, &n), GLASSES_STATUS_OK, "capacity 1");
        CHECK(n == (size_t)g->expected, "capacity 1: count %zu, golden %d", n, g->expected);
        check_face(&two[0].face, g->faces[0].face, "capacity 1");
        check_face_answer(&g->faces[0], &two[0].result, g->tolerance, "capacity 1");
        CHECK(memcmp(&two[1], &untouched, sizeof untouched) == 0, "capacity 1: nothing written past the array");

        /* glasses_classify: AUTO (the default) answers for the largest face, WHOLE for the picture,
           DETECT as AUTO here, and a box given with the request wins over the mode. */
        GlassesResult r;
        memset(&r, 0xff, sizeof r);
        snprintf(what, sizeof what, "%s: classify auto", g->path);
        CHECK_STATUS(glasses_classify(c, &encoded, NULL, &r), GLASSES_STATUS_OK, what);
        CHECK(r.has_face, "%s: has_face", what);
        check_face(&r.face, g->faces[0].face, what);
        check_face_answer(&g->faces[0], &r, g->tolerance, what);
        GlassesRequest whole = glasses_request_default();
        whole.face_mode = GLASSES_FACE_MODE_WHOLE;
        snprintf(what, sizeof what, "%s: classify whole", g->path);
        CHECK_STATUS(glasses_classify(c, &encoded, &whole, &r), GLASSES_STATUS_OK, what);
        CHECK(!r.has_face && r.face.face_box.width == 0.0f && r.face.score == 0.0f, "%s: no face", what);
        CHECK(fabs(r.probability - g->faces[0].probability) > 1e-3 || r.eyewear != (uint32_t)g->faces[0].eyewear,
              "%s: the whole picture is not the largest face", what);
        GlassesRequest given = glasses_request_default();
        given.face_mode = GLASSES_FACE_MODE_DETECT;
        given.has_face = true;
        given.face = (GlassesFaceBox){g->faces[1].face[0], g->faces[1].face[1], g->faces[1].face[2], g->faces[1].face[3]};
        snprintf(what, sizeof what, "%s: the second face's box given", g->path);
        CHECK_STATUS(glasses_classify(c, &encoded, &given, &r), GLASSES_STATUS_OK, what);
        CHECK(!r.has_face, "%s: a given box is not a detected face", what);
        /* The golden box is rounded to 0.01 pixel, which moves the framed crop's sampling grid:
           the same kind, a close probability, not the same digits. */
        CHECK((int)r.eyewear == g->faces[1].eyewear, "%s: eyewear %u, golden %d", what, r.eyewear, g->faces[1].eyewear);
        CHECK_CLOSE(r.probability, g->faces[1].probability, 0.05, what);
        if (thorough) {
            GlassesRequest detect = glasses_request_default();
            detect.face_mode = GLASSES_FACE_MODE_DETECT;
            snprintf(what, sizeof what, "%s: classify detect", g->path);
            CHECK_STATUS(glasses_classify(c, &encoded, &detect, &r), GLASSES_STATUS_OK, what);
            CHECK(r.has_face, "%s: has_face", what);
            check_face(&r.face, g->faces[0].face, what);
        }
        free(img);
        if (!thorough) continue;

        /* The same faces from the file, from raw RGBA, from the RGBA stored turned with the
           request turning it back, and from an NV21 camera frame. */
        const GlassesInput file = {.kind = GLASSES_INPUT_KIND_PATH, .path = g->path};
        check_group_input(c, g, &file, &upright, 1, "file");
        size_t rgba_len = 0;
        unsigned char *rgba = read_file(g->rgba_path, &rgba_len);
        const unsigned w = g->width, h = g->height;
        CHECK(rgba != NULL && rgba_len == (size_t)w * h * 4, "raw RGBA %s", g->rgba_path);
        if (!rgba || rgba_len != (size_t)w * h * 4) {
            free(rgba);
            continue;
        }
        const GlassesInput pixels = {.kind = GLASSES_INPUT_KIND_PIXELS, .bytes = rgba, .bytes_len = rgba_len,
                                     .width = w, .height = h, .stride = (size_t)w * 4,
                                     .format = GLASSES_PIXEL_FORMAT_RGBA8};
        check_group_input(c, g, &pixels, NULL, 1, "rgba");
        unsigned sw = 0, sh = 0;
        unsigned char *turned = turn_stored(rgba, w, h, 4, 90, true, &sw, &sh);
        CHECK(turned != NULL, "malloc");
        if (turned) {
            const GlassesInput stored = {.kind = GLASSES_INPUT_KIND_PIXELS, .bytes = turned,
                                         .bytes_len = (size_t)sw * sh * 4, .width = sw, .height = sh,
                                         .stride = (size_t)sw * 4, .format = GLASSES_PIXEL_FORMAT_RGBA8};
            GlassesRequest turn = glasses_request_default();
            turn.rotation_degrees = 90;
            turn.mirrored = true;
            check_group_input(c, g, &stored, &turn, 1, "rgba turned 90 mirrored");
            free(turned);
        }
        unsigned char *y = malloc((size_t)w * h), *vu = malloc((size_t)w * h / 2);
        CHECK(y && vu, "malloc");
        if (y && vu) {
            const GlassesInput frame = nv21_input(rgba, w, h, y, vu);
            check_group_input(c, g, &frame, NULL, 0, "nv21");
        }
        free(y), free(vu), free(rgba);
    }

    /* The single pictures: the default request answers for the face golden.json names, or for
       the whole picture when it names none. */
    int found = 0;
    for (int i = 0; i < m->golden_count; i++) {
        const GoldenCase *g = &m->golden[i];
        if (g->is_region) continue;
        size_t len = 0;
        unsigned char *img = read_file(g->path, &len);
        if (!img) continue;
        const GlassesInput encoded = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = img, .bytes_len = len};
        GlassesResult r;
        CHECK_STATUS(glasses_classify(c, &encoded, NULL, &r), GLASSES_STATUS_OK, g->path);
        CHECK(r.has_face == (g->has_found != 0), "%s: has_face %d, golden %d", g->path, r.has_face, g->has_found);
        if (r.has_face && g->has_found) {
            check_face(&r.face, g->found, g->path);
            found++;
        }
        check_golden_result(g, &r, "auto");
        free(img);
    }
    CHECK(found > 0, "no single golden picture with a face");

    /* A picture without a face: no faces is a success; DETECT is GLASSES_STATUS_NO_FACE. */
    enum { BW = 64, BH = 48 };
    static unsigned char blank[BW * BH * 4];
    memset(blank, 128, sizeof blank);
    const GlassesInput flat = {.kind = GLASSES_INPUT_KIND_PIXELS, .bytes = blank, .bytes_len = sizeof blank,
                               .width = BW, .height = BH, .stride = BW * 4, .format = GLASSES_PIXEL_FORMAT_RGBA8};
    GlassesDetectedFace faces[4];
    GlassesFaceResult results[4];
    size_t n = 99;
    CHECK_STATUS(glasses_detect_faces(c, &flat, NULL, faces, 4, &n), GLASSES_STATUS_OK, "blank: detect");
    CHECK(n == 0, "blank: %zu faces", n);
    n = 99;
    CHECK_STATUS(glasses_classify_faces(c, &flat, NULL, results, 4, &n), GLASSES_STATUS_OK, "blank: classify faces");
    CHECK(n == 0, "blank: %zu faces", n);
    GlassesResult r;
    CHECK_STATUS(glasses_classify(c, &flat, NULL, &r), GLASSES_STATUS_OK, "blank: auto");
    CHECK(!r.has_face, "blank: auto classifies the whole picture");
    GlassesRequest detect = glasses_request_default();
    detect.face_mode = GLASSES_FACE_MODE_DETECT;
    CHECK_STATUS(glasses_classify(c, &flat, &detect, &r), GLASSES_STATUS_NO_FACE, "blank: detect");
    CHECK(strstr(glasses_last_error_message(), "face") != NULL, "message: %s", glasses_last_error_message());
    CHECK(strcmp(glasses_status_name(GLASSES_STATUS_NO_FACE), "GLASSES_STATUS_NO_FACE") == 0 &&
              strcmp(glasses_status_name(GLASSES_STATUS_NO_FACE_DETECTOR), "GLASSES_STATUS_NO_FACE_DETECTOR") == 0,
          "face status names");

    /* Errors: a status and a message, *count 0, nothing written. */
    n = 99;
    CHECK_STATUS(glasses_detect_faces(c, &flat, NULL, NULL, 2, &n), GLASSES_STATUS_NULL_ARGUMENT, "NULL faces");
    CHECK(n == 0, "count after a failure: %zu", n);
    CHECK_STATUS(glasses_detect_faces(c, &flat, NULL, faces, 4, NULL), GLASSES_STATUS_NULL_ARGUMENT, "NULL count");
    CHECK_STATUS(glasses_classify_faces(c, NULL, NULL, results, 4, &n), GLASSES_STATUS_NULL_ARGUMENT, "NULL input");
    CHECK_STATUS(glasses_classify_faces(NULL, &flat, NULL, results, 4, &n), GLASSES_STATUS_NULL_ARGUMENT,
                 "NULL classifier");
    GlassesRequest bad_mode = glasses_request_default();
    bad_mode.face_mode = 7;
    CHECK_STATUS(glasses_classify(c, &flat, &bad_mode, &r), GLASSES_STATUS_INVALID_ARGUMENT, "face mode 7");
    CHECK(strstr(glasses_last_error_message(), "unknown face mode 7") != NULL, "message: %s",
          glasses_last_error_message());
    CHECK_STATUS(glasses_detect_faces(c, &flat, &bad_mode, faces, 4, &n), GLASSES_STATUS_INVALID_ARGUMENT,
                 "detect, face mode 7");
    const GlassesInput broken = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = blank, .bytes_len = 16};
    CHECK_STATUS(glasses_classify_faces(c, &broken, NULL, results, 4, &n), GLASSES_STATUS_INVALID_IMAGE, "not an image");

    /* The detector's settings: defaults, a smallest face that drops the group's smaller faces,
       and settings out of range. */
    const GlassesDetectorOptions defaults = glasses_detector_options_default();
    CHECK(defaults.input_width == 320 && defaults.input_height == 240 && defaults.score_threshold > 0.0f &&
              defaults.min_face_size == 0.0f,
          "detector defaults %ux%u", defaults.input_width, defaults.input_height);
    if (m->group_count > 0) {
        const GoldenGroup *g = &m->groups[0];
        GlassesDetectorOptions big = defaults;
        /* Just above the smallest face's shorter side: every smaller face goes. */
        const GroupFace *smallest = &g->faces[g->count - 1];
        big.min_face_size = fminf(smallest->face[2], smallest->face[3]) + 1.0f;
        size_t keep = 0;
        for (int i = 0; i < g->count; i++)
            keep += fminf(g->faces[i].face[2], g->faces[i].face[3]) >= big.min_face_size;
        GlassesClassifier *large_only = NULL;
        CHECK_STATUS(glasses_classifier_with_detector(c, &big, &large_only), GLASSES_STATUS_OK, "with_detector");
        size_t len = 0;
        unsigned char *img = read_file(g->path, &len);
        if (large_only && img) {
            const GlassesInput encoded = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = img, .bytes_len = len};
            CHECK_STATUS(glasses_detect_faces(large_only, &encoded, NULL, faces, 4, &n), GLASSES_STATUS_OK,
                         "min_face_size");
            CHECK(n == keep && keep < (size_t)g->count, "min_face_size %.1f: %zu faces, want %zu", (double)big.min_face_size,
                  n, keep);
        }
        free(img);
        glasses_classifier_free(&large_only);
        GlassesClassifier *with_defaults = NULL;
        CHECK_STATUS(glasses_classifier_with_detector(c, NULL, &with_defaults), GLASSES_STATUS_OK, "NULL options");
        CHECK(with_defaults != NULL, "NULL options: a handle");
        glasses_classifier_free(&with_defaults);
    }
    GlassesDetectorOptions bad = defaults;
    bad.score_threshold = 2.0f;
    GlassesClassifier *none = (GlassesClassifier *)&bad;
    CHECK_STATUS(glasses_classifier_with_detector(c, &bad, &none), GLASSES_STATUS_INVALID_ARGUMENT, "threshold 2");
    CHECK(none == NULL, "no handle after a failure");
    bad = defaults;
    bad.input_width = 8;
    CHECK_STATUS(glasses_classifier_with_detector(c, &bad, &none), GLASSES_STATUS_INVALID_ARGUMENT, "input width 8");
    CHECK_STATUS(glasses_classifier_with_detector(NULL, &defaults, &none), GLASSES_STATUS_NULL_ARGUMENT, "NULL handle");
    glasses_classifier_free(&c);
    printf("every face: %d group pictures checked%s\n", m->group_count, thorough ? " through every input kind" : "");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MANIFEST [KEY=VALUE ...]\n", argv[0]);
        return 2;
    }
    Manifest *m = calloc(1, sizeof *m);
    if (!m || read_manifest(argv[1], m) != 0) return 2;
    for (int a = 2; a < argc; a++) {
        char line[4200];
        char *eq = strchr(argv[a], '=');
        if (!eq || eq == argv[a] || (size_t)(eq - argv[a]) >= 64) {
            fprintf(stderr, "%s: expected KEY=VALUE, got '%s'\n", argv[0], argv[a]);
            return 2;
        }
        snprintf(line, sizeof line, "%.*s %s", (int)(eq - argv[a]), argv[a], eq + 1);
        manifest_line(m, line);
    }
    const int all = strcmp(m->suite, "all") == 0, scale = strcmp(m->suite, "scale") == 0;
    const int stress = all || scale || strcmp(m->suite, "stress") == 0;
    const int soak = all || scale || strcmp(m->suite, "soak") == 0;
    if (!stress && !soak) {
        fprintf(stderr, "%s: unknown suite '%s' (all, stress, soak, scale)\n", argv[0], m->suite);
        return 2;
    }
    size_t model_len = 0, png_len = 0;
    unsigned char *model = read_file(m->model, &model_len);
    unsigned char *png = read_file(m->image_png, &png_len);
    if (!model || !png) return 2;

    GlassesClassifier *c = NULL;
    if (all) {
        test_version_and_names(m);
        test_model_info(m, model, model_len);
        c = test_constructors(m, model, model_len, png, png_len);
        if (c) {
            test_pixel_formats(m, c);
            test_errors(m, c, model, model_len, png, png_len);
            test_panic(c, png, png_len);
            test_threads(m, c, png, png_len);
            test_hostile(m, c, model, model_len, png, png_len);
            test_yuv(m, c);
            test_huge_regions(m, model, model_len);
            test_classify_entry(m, c, png, png_len);
        }
    } else {
        CHECK_STATUS(glasses_classifier_new_from_bytes(model, model_len, NULL, &c), GLASSES_STATUS_OK, "new_from_bytes");
    }
    /* The soak runs before the stress threads, so its RSS is not mixed with their arenas. */
    if (soak) test_soak(m, model, model_len, png, png_len);
    if (stress && c) test_stress(m, c);
    if (all) {
        test_free(model, model_len);
        test_golden(m);
        test_inference_threads(m);
        test_turned(m);
        test_turned_yuv(m);
        test_faces(m);
    }
    glasses_classifier_free(&c);

    free(model);
    free(png);
    free(m);
    return report();
}
