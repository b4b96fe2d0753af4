//! Training-time augmentation on already preprocessed (normalised) batches, in libtorch:
//! horizontal flip, a small random affine warp (shift, scale, rotation), brightness and contrast
//! jitter, and some grayscale so gray cameras are seen in training. Colour operations act in
//! `[0, 1]` pixel space, so the batch is un-normalised first and re-normalised after.

use tch::{Kind, Tensor};

/// How strong each augmentation is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augment {
    /// Probability of a horizontal flip.
    pub flip: f64,
    /// Largest shift, as a fraction of the image size (each axis).
    pub shift: f64,
    /// Largest relative scale change.
    pub scale: f64,
    /// Largest rotation in degrees.
    pub rotate_deg: f64,
    /// Largest relative brightness change.
    pub brightness: f64,
    /// Largest relative contrast change.
    pub contrast: f64,
    /// Probability of converting to grayscale.
    pub grayscale: f64,
}

impl Default for Augment {
    fn default() -> Self {
        Self {
            flip: 0.5,
            shift: 0.06,
            scale: 0.08,
            rotate_deg: 10.0,
            brightness: 0.25,
            contrast: 0.25,
            grayscale: 0.15,
        }
    }
}

impl Augment {
    /// Augments a normalised `[N, 3, H, W]` batch with libtorch's global RNG.
    pub fn apply(&self, xs: &Tensor, mean: [f32; 3], std: [f32; 3]) -> Tensor {
        let (n, _, h, w) = xs.size4().unwrap_or((0, 3, 0, 0));
        if n == 0 {
            return xs.shallow_clone();
        }
        let opts = (Kind::Float, xs.device());
        let mean_t = Tensor::from_slice(&mean).to_device(xs.device()).view([1, 3, 1, 1]);
        let std_t = Tensor::from_slice(&std).to_device(xs.device()).view([1, 3, 1, 1]);
        let mut x = xs * &std_t + &mean_t;

        let uniform = |lo: f64, hi: f64| Tensor::rand([n], opts) * (hi - lo) + lo;
        let flip = Tensor::rand([n], opts).lt(self.flip).view([n, 1, 1, 1]);
        x = x.flip([3]).where_self(&flip, &x);

        // Affine grid: output pixel (normalised coords) samples the input at theta * [x, y, 1].
        let angle = uniform(-self.rotate_deg, self.rotate_deg) * (std::f64::consts::PI / 180.0);
        let scale = uniform(1.0 - self.scale, 1.0 + self.scale);
        let (cos, sin) = (angle.cos() / &scale, angle.sin() / &scale);
        let tx = uniform(-2.0 * self.shift, 2.0 * self.shift);
        let ty = uniform(-2.0 * self.shift, 2.0 * self.shift);
        // Rotation in normalised coordinates of a non-square image needs the aspect ratio.
        let aspect = w as f64 / h as f64;
        let theta =
            Tensor::stack(&[&cos, &(-&sin / aspect), &tx, &(&sin * aspect), &cos, &ty], 1).view([n, 2, 3]);
        let grid = Tensor::affine_grid_generator(&theta, [n, 3, h, w], false);
        // Bilinear (0), border padding (1).
        x = x.grid_sampler(&grid, 0, 1, false);

        let brightness = uniform(1.0 - self.brightness, 1.0 + self.brightness).view([n, 1, 1, 1]);
        let contrast = uniform(1.0 - self.contrast, 1.0 + self.contrast).view([n, 1, 1, 1]);
        let gray_of = |x: &Tensor| {
            let weights =
                Tensor::from_slice(&[0.299f32, 0.587, 0.114]).to_device(x.device()).view([1, 3, 1, 1]);
            (x * weights).sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
        };
        x *= brightness;
        let level = gray_of(&x).mean_dim([2i64, 3].as_slice(), true, Kind::Float);
        x = (x - &level) * contrast + &level;
        let gray = Tensor::rand([n], opts).lt(self.grayscale).view([n, 1, 1, 1]);
        x = gray_of(&x).expand([n, 3, h, w], false).where_self(&gray, &x);
        (x.clamp(0.0, 1.0) - mean_t) / std_t
    }
}
