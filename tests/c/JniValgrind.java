import dev.glasses.ErrorKind;
import dev.glasses.FaceBox;
import dev.glasses.YuvPlanes;
import dev.glasses.GlassesDetector;
import dev.glasses.GlassesException;
import dev.glasses.GlassesResult;
import dev.glasses.NativeTestHooks;
import dev.glasses.PixelLayout;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Drives every JNI entry point of libglasses_ffi (ffi/src/jni/) through the Kotlin API, in a
 * plain JVM with no test framework, so that tests/c/run-jni-valgrind.sh can run it under valgrind
 * memcheck in reasonable time (the JUnit suite loads far more classes than valgrind can afford).
 *
 * Usage: java -cp CLASSES JniValgrind FIXTURES_DIR [THREADS]
 *
 * FIXTURES_DIR is what `cargo test -p glasses-ffi --test jni_fixtures` writes (expected.json, the
 * model, PNGs). Prints "N passed, N failed"; exits 1 on any failure.
 */
public final class JniValgrind {
    private static int passed = 0;
    private static int failed = 0;

    private static void check(boolean ok, String what) {
        if (ok) {
            passed++;
        } else {
            failed++;
            System.err.println("FAIL " + what);
        }
    }

    private interface Call {
        void run() throws Throwable;
    }

    private static void expectThrows(Class<? extends Throwable> type, ErrorKind kind, String what, Call call) {
        try {
            call.run();
            check(false, what + ": no exception");
        } catch (Throwable t) {
            boolean ok = type.isInstance(t) && (kind == null || ((GlassesException) t).getKind() == kind);
            check(ok, what + ": " + t);
        }
    }

    private static final class Case {
        final String name;
        final byte[] png;
        final int width;
        final int height;
        final float probability;

        Case(String name, byte[] png, int width, int height, float probability) {
            this.name = name;
            this.png = png;
            this.width = width;
            this.height = height;
            this.probability = probability;
        }
    }

    private static void close(GlassesResult r, float want, String what) {
        check(Math.abs(r.getProbability() - want) <= 1e-4f, what + ": " + r.getProbability() + " vs " + want);
    }

    private static ByteBuffer bytes(int[] argb, int width, int height, int rowStride, PixelLayout layout, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(rowStride * height) : ByteBuffer.allocate(rowStride * height);
        for (int y = 0; y < height; y++) {
            b.position(y * rowStride);
            for (int x = 0; x < width; x++) {
                int p = argb[y * width + x];
                byte r = (byte) (p >> 16), g = (byte) (p >> 8), bl = (byte) p, a = (byte) (p >>> 24);
                switch (layout) {
                    case RGBA_8888: b.put(r).put(g).put(bl).put(a); break;
                    case BGRA_8888: b.put(bl).put(g).put(r).put(a); break;
                    case RGB_888: b.put(r).put(g).put(bl); break;
                    default: b.put((byte) (((r & 0xff) * 77 + (g & 0xff) * 150 + (bl & 0xff) * 29) >> 8));
                }
            }
        }
        b.rewind();
        return b;
    }

    private static long handleOf(GlassesDetector d) throws Exception {
        Field f = GlassesDetector.class.getDeclaredField("handle");
        f.setAccessible(true);
        return ((AtomicLong) f.get(d)).get();
    }

    /** GlassesNative is `internal` in Kotlin: reached by reflection, as a hostile Java caller could. */
    private static Object nativeCall(String name, Class<?>[] types, Object... args) throws Throwable {
        Class<?> k = Class.forName("dev.glasses.GlassesNative");
        Method m = k.getDeclaredMethod(name, types);
        m.setAccessible(true);
        try {
            return m.invoke(null, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A classify entry's request (Kotlin's NativeRequest): upright, no mirror, no box, then [faceMode] and [task]. */
    private static int[] request(int faceMode, int task) {
        return new int[] {0, 0, 0, 0, 0, 0, faceMode, task};
    }

    private static int liveHandles() throws Throwable {
        return (Integer) nativeCall("nativeLiveHandles", new Class<?>[0]);
    }

    /** The top-left `w x h` (even) of an ARGB picture `stride` pixels wide as an NV21 frame in
     * direct buffers: Y per pixel, V and U from each 2x2 block's top-left pixel. */
    private static YuvPlanes nv21(int[] argb, int stride, int w, int h) {
        ByteBuffer y = ByteBuffer.allocateDirect(w * h);
        ByteBuffer vu = ByteBuffer.allocateDirect(w * h / 2);
        for (int row = 0; row < h; row++) {
            for (int col = 0; col < w; col++) {
                int p = argb[row * stride + col];
                int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
                double l = 0.299 * r + 0.587 * g + 0.114 * b;
                y.put(row * w + col, (byte) Math.round(l));
                if (row % 2 == 0 && col % 2 == 0) {
                    int at = (row / 2) * w + col;
                    vu.put(at, (byte) Math.max(0, Math.min(255, Math.round((r - l) / 1.402 + 128))));
                    vu.put(at + 1, (byte) Math.max(0, Math.min(255, Math.round((b - l) / 1.772 + 128))));
                }
            }
        }
        ByteBuffer u = ((ByteBuffer) vu.duplicate().position(1)).slice();
        return new YuvPlanes(y, w, u, vu, w, 2, w, h);
    }

    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: JniValgrind FIXTURES_DIR [THREADS]");
            System.exit(2);
        }
        Path dir = Paths.get(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        String json = new String(Files.readAllBytes(dir.resolve("expected.json")), "UTF-8");
        Matcher m = Pattern.compile(
                "\"image\": \"([^\"]+)\", \"width\": (\\d+), \"height\": (\\d+), \"probability\": ([0-9.eE+-]+)")
                .matcher(json);
        List<Case> cases = new ArrayList<>();
        while (m.find()) {
            int w = Integer.parseInt(m.group(2)), h = Integer.parseInt(m.group(3));
            // The 640x480 case costs minutes under valgrind for nothing new: small images only.
            if (w * h > 40_000) continue;
            cases.add(new Case(m.group(1), Files.readAllBytes(dir.resolve(m.group(1))), w, h,
                    Float.parseFloat(m.group(4))));
        }
        check(cases.size() >= 4, "fixtures: " + cases.size() + " small cases");
        byte[] model = Files.readAllBytes(dir.resolve("model.onnx"));
        int before = liveHandles();

        GlassesDetector d = new GlassesDetector(model);
        check(d.getThreshold() == 0.5f, "threshold");
        for (Case c : cases) {
            close(d.classify(c.png), c.probability, c.name + " encoded");
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(c.png));
            int[] argb = img.getRGB(0, 0, c.width, c.height, null, 0, c.width);
            close(d.classify(argb, c.width, c.height), c.probability, c.name + " IntArray");
            int stride = c.width + 3;
            int[] padded = new int[stride * c.height];
            for (int y = 0; y < c.height; y++) System.arraycopy(argb, y * c.width, padded, y * stride, c.width);
            close(d.classify(padded, c.width, c.height, stride), c.probability, c.name + " IntArray stride");
            int rs = c.width * 4 + 8;
            close(d.classify(bytes(argb, c.width, c.height, rs, PixelLayout.RGBA_8888, true), c.width, c.height, rs),
                    c.probability, c.name + " direct RGBA");
            close(d.classify(bytes(argb, c.width, c.height, rs, PixelLayout.BGRA_8888, false), c.width, c.height, rs,
                    PixelLayout.BGRA_8888), c.probability, c.name + " heap BGRA");
            d.classify(bytes(argb, c.width, c.height, c.width * 3, PixelLayout.RGB_888, true), c.width, c.height,
                    c.width * 3, PixelLayout.RGB_888);
            d.classify(bytes(argb, c.width, c.height, c.width, PixelLayout.GRAY_8, true), c.width, c.height, c.width,
                    PixelLayout.GRAY_8);
            // Face regions (the box partly outside the picture) and camera frames, which read the
            // caller's buffers in place: every native path that takes a box or YUV planes.
            FaceBox box = new FaceBox(-2f, 1f, c.width * 0.6f, c.height * 0.6f);
            float pe = d.classify(c.png, box).getProbability();
            close(d.classify(argb, c.width, c.height, box), pe, c.name + " IntArray region");
            // Every input turned and mirrored: the rotation reaches each native entry.
            for (int rotation : new int[] {90, 270}) {
                float pr = d.classify(c.png, rotation, box, true).getProbability();
                close(d.classify(argb, c.width, c.height, c.width, rotation, box, true), pr, c.name + " IntArray turned");
                int row = c.width * 4;
                close(d.classify(bytes(argb, c.width, c.height, row, PixelLayout.RGBA_8888, true), c.width, c.height, row,
                        PixelLayout.RGBA_8888, rotation, box, true), pr, c.name + " buffer turned");
            }
            int ew = c.width & ~1, eh = c.height & ~1;
            if (ew >= 2 && eh >= 2) {
                YuvPlanes nv21 = nv21(argb, c.width, ew, eh);
                for (int rotation : new int[] {0, 90, 180, 270}) {
                    float py = d.classifyYuv(nv21, rotation, rotation == 180, null).getProbability();
                    check(py >= 0f && py <= 1f, c.name + " NV21 at " + rotation + ": " + py);
                    d.classifyYuv(nv21, rotation, false, new FaceBox(1f, 1f, eh / 2f, eh / 2f));
                }
            }
        }

        // Error paths: each allocates a message and an exception in native code.
        Case first = cases.get(0);
        byte[] garbage = "this is not an image".getBytes("UTF-8");
        expectThrows(GlassesException.class, ErrorKind.INVALID_IMAGE, "garbage", () -> d.classify(garbage));
        expectThrows(GlassesException.class, ErrorKind.INVALID_IMAGE, "empty", () -> d.classify(new byte[0]));
        expectThrows(GlassesException.class, ErrorKind.INVALID_IMAGE, "truncated",
                () -> d.classify(java.util.Arrays.copyOf(first.png, first.png.length / 2)));
        expectThrows(GlassesException.class, ErrorKind.INVALID_PIXEL_BUFFER, "short IntArray",
                () -> d.classify(new int[15], 4, 4));
        expectThrows(GlassesException.class, ErrorKind.INVALID_PIXEL_BUFFER, "short buffer",
                () -> d.classify(ByteBuffer.allocateDirect(10), 4, 4, 16));
        expectThrows(GlassesException.class, ErrorKind.INVALID_REGION, "NaN box",
                () -> d.classify(first.png, new FaceBox(Float.NaN, 0f, 4f, 4f)));
        YuvPlanes good = nv21(new int[16], 4, 4, 4);
        expectThrows(GlassesException.class, ErrorKind.INVALID_PIXEL_BUFFER, "odd YUV width",
                () -> d.classifyYuv(new YuvPlanes(good.getY(), 4, good.getU(), good.getV(), 4, 2, 3, 4)));
        expectThrows(GlassesException.class, ErrorKind.INVALID_PIXEL_BUFFER, "YUV rotation 45",
                () -> d.classifyYuv(good, 45));
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "heap Y plane",
                () -> d.classifyYuv(new YuvPlanes(ByteBuffer.allocate(16), 4, good.getU(), good.getV(), 4, 2, 4, 4)));
        expectThrows(GlassesException.class, ErrorKind.INVALID_MODEL, "garbage model",
                () -> new GlassesDetector(garbage));
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "threshold 1.5",
                () -> new GlassesDetector(model, 1.5f));
        long h = handleOf(d);
        Class<?>[] encodedTypes = {long.class, byte[].class, int[].class};
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "null image",
                () -> nativeCall("nativeClassifyEncoded", encodedTypes, h, null, request(0, 0)));
        expectThrows(IllegalStateException.class, null, "bogus handle",
                () -> nativeCall("nativeClassifyEncoded", encodedTypes, 123456789L, garbage, request(0, 0)));
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "unknown task",
                () -> nativeCall("nativeClassifyEncoded", encodedTypes, h, first.png, request(0, 9)));
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "unknown face mode",
                () -> nativeCall("nativeClassifyEncoded", encodedTypes, h, first.png, request(5, 0)));
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "null request",
                () -> nativeCall("nativeClassifyEncoded", encodedTypes, h, first.png, null));
        expectThrows(GlassesException.class, ErrorKind.INVALID_ARGUMENT, "short request",
                () -> nativeCall("nativeClassifyEncoded", encodedTypes, h, first.png, new int[3]));
        // Every face: the float records of both face tasks, from encoded bytes and a camera frame.
        check(d.detectFaces(first.png).size() == d.classifyFaces(first.png).size(), "detectFaces and classifyFaces agree");
        BufferedImage firstImage = ImageIO.read(new ByteArrayInputStream(first.png));
        int[] firstArgb = firstImage.getRGB(0, 0, first.width, first.height, null, 0, first.width);
        YuvPlanes frame = nv21(firstArgb, first.width, first.width & ~1, first.height & ~1);
        check(d.detectFacesYuv(frame, 90, true).size() == d.classifyFacesYuv(frame, 90, true).size(), "camera frame faces");
        expectThrows(GlassesException.class, ErrorKind.INTERNAL, "native panic", NativeTestHooks::panic);
        close(d.classify(first.png), first.probability, "after the errors");

        // One detector shared by threads.
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final Case c = cases.get(t % cases.size());
            futures.add(pool.submit(() -> {
                GlassesResult a = d.classify(c.png);
                GlassesResult b = d.classify(c.png);
                return a.equals(b) && Math.abs(a.getProbability() - c.probability) <= 1e-4f ? 1 : 0;
            }));
        }
        for (Future<Integer> f : futures) check(f.get(30, TimeUnit.MINUTES) == 1, "thread result");
        pool.shutdown();
        check(pool.awaitTermination(1, TimeUnit.MINUTES), "pool ends");

        // The bundled model, then close and use after close.
        try (GlassesDetector bundled = new GlassesDetector(0.3f)) {
            float p = bundled.classify(first.png).getProbability();
            check(p >= 0f && p <= 1f, "bundled probability " + p);
        }
        d.close();
        d.close();
        expectThrows(IllegalStateException.class, null, "use after close", () -> d.classify(first.png));
        check(liveHandles() == before, "live handles back to " + before + ": " + liveHandles());

        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
