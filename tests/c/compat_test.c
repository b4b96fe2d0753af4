/*
 * ABI compatibility: a C program written against the previous release's header
 * (tests/c/compat/glasses-0.1.0.h, a verbatim copy, never edited) must keep working, unchanged,
 * when linked against the current library. New declarations (the eyewear kind, face regions,
 * new status codes) are added after the old ones; nothing that existed may change size, order,
 * value or signature.
 *
 * Usage: compat_test MANIFEST (the manifest ffi/tests/c_abi.rs writes for glasses_test.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glasses-0.1.0.h"

#include "check.h"

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    char model_path[4096] = "", png_path[4096] = "", rgb_path[4096] = "";
    unsigned width = 0, height = 0;
    double expect = -1.0;
    FILE *f = fopen(argv[1], "r");
    if (!f) return 2;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "model %4095[^\n]", model_path);
        sscanf(line, "image_png %4095[^\n]", png_path);
        sscanf(line, "rgb_raw %4095[^\n]", rgb_path);
        sscanf(line, "width %u", &width);
        sscanf(line, "height %u", &height);
        sscanf(line, "expect_color %lf", &expect);
    }
    fclose(f);
    size_t model_len = 0, png_len = 0, rgb_len = 0;
    unsigned char *model = read_file(model_path, &model_len);
    unsigned char *png = read_file(png_path, &png_len);
    unsigned char *rgb = read_file(rgb_path, &rgb_len);
    if (!model || !png || !rgb || expect < 0.0) return 2;

    GlassesOptions options = glasses_options_default();
    CHECK(options.threshold == 0.5f, "default threshold %f", options.threshold);
    GlassesClassifier *c = NULL;
    CHECK(glasses_classifier_new_from_bytes(model, model_len, &options, &c) == GLASSES_STATUS_OK, "new: %s",
          glasses_last_error_message());
    if (c) {
        GlassesPrediction p = {false, -1.0f};
        CHECK(glasses_classify_encoded(c, png, png_len, &p) == GLASSES_STATUS_OK, "encoded");
        CHECK(fabs(p.probability - expect) <= 1e-6, "encoded %f vs %f", p.probability, expect);
        CHECK(p.has_glasses == (p.probability >= 0.5f), "decision");
        GlassesPrediction q = {false, -1.0f};
        CHECK(glasses_classify_pixels(c, rgb, rgb_len, width, height, (size_t)width * 3, GLASSES_PIXEL_FORMAT_RGB8,
                                      &q) == GLASSES_STATUS_OK,
              "pixels");
        CHECK(fabs(q.probability - expect) <= 1e-6, "pixels %f vs %f", q.probability, expect);
        uint32_t *argb = malloc((size_t)width * height * sizeof *argb);
        if (argb) {
            for (size_t i = 0; i < (size_t)width * height; i++)
                argb[i] = 0xff000000u | (uint32_t)rgb[3 * i] << 16 | (uint32_t)rgb[3 * i + 1] << 8 | rgb[3 * i + 2];
            GlassesPrediction r = {false, -1.0f};
            CHECK(glasses_classify_argb(c, argb, (size_t)width * height, width, height, width, &r) ==
                      GLASSES_STATUS_OK,
                  "argb");
            CHECK(fabs(r.probability - expect) <= 1e-6, "argb %f vs %f", r.probability, expect);
            free(argb);
        }
        /* Old status codes keep their values and names. */
        CHECK(glasses_classify_encoded(c, png, 0, &p) == GLASSES_STATUS_INVALID_IMAGE, "empty image");
        CHECK(strstr(glasses_last_error_message(), "empty") != NULL, "message %s", glasses_last_error_message());
        CHECK(glasses_classify_encoded(c, NULL, 1, &p) == GLASSES_STATUS_NULL_ARGUMENT, "NULL image");
        CHECK(strcmp(glasses_status_name(GLASSES_STATUS_NOT_A_REGULAR_FILE), "GLASSES_STATUS_NOT_A_REGULAR_FILE") == 0,
              "status name");
        CHECK(strcmp(glasses_status_name(GLASSES_STATUS_TRUNCATED_IMAGE), "GLASSES_STATUS_TRUNCATED_IMAGE") == 0,
              "status name");
    }
    glasses_classifier_free(&c);
    CHECK(c == NULL, "free nulls the handle");
    CHECK(strlen(glasses_version()) > 0, "version");
    free(model);
    free(png);
    free(rgb);
    return report();
}
