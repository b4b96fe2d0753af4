//! Framing invariance (`train --framing-augment`): every training picture is re-framed as users'
//! photos frame faces, from face-filling (a face detector's box, as face-crop data sets and apps
//! that crop a detector's box make them) to 1.5x wider than the training crops, off-centre and
//! through other aspect ratios, then shown at low resolution or in hard-lit grayscale now and
//! then.
//!
//! Geometry, in the normalised coordinates of `grid_sample` (`[-1, 1]` over the training
//! framing, which has the model's aspect ratio): a crop is a scale `s` (its size relative to the
//! training framing, both axes, so it keeps the model's aspect ratio) and a centre `(cx, cy)`.
//! Where it leaves the picture the source coordinate is clamped (`padding_mode = border`): the
//! edge pixels repeat, exactly as core's region path fills a framed region past the picture.
//!
//! The face detector's box relative to the training framing comes from
//! [`FaceFraming::HAAR_CELEBA`] (the framing is 1.669 x 2.044 box sizes, its centre 0.145 box
//! heights above the box centre).

use glasses_core::FaceFraming;
use tch::{Kind, Tensor};

/// Size of the tightest crop relative to the training framing: the detector's box, centre-cropped
/// to the model's aspect ratio (the preprocessing contract). The box is `1/scale_x` of the
/// framing's width and `1/scale_y` of its height; the centre crop keeps the smaller of the two.
pub fn tight_scale() -> f64 {
    let f = FaceFraming::HAAR_CELEBA;
    (1.0 / f.scale_x as f64).min(1.0 / f.scale_y as f64)
}

/// Where the detector's box centre lies in the training framing, in normalised coordinates
/// (`[-1, 1]` over each axis): x right, y down.
pub fn box_centre() -> (f64, f64) {
    let f = FaceFraming::HAAR_CELEBA;
    // center_d* = (framing centre - box centre) / box size; a box size is 1/scale of the framing,
    // and the normalised axis spans 2.
    let dx = -(f.center_dx as f64) / f.scale_x as f64 * 2.0;
    let dy = -(f.center_dy as f64) / f.scale_y as f64 * 2.0;
    (dx, dy)
}

/// Width of the detector's box as a fraction of the training framing's width.
pub fn box_width_fraction() -> f64 {
    1.0 / FaceFraming::HAAR_CELEBA.scale_x as f64
}

/// How strongly pictures are re-framed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FramingAugment {
    /// Smallest crop relative to the training framing ([`tight_scale`]: the face fills it).
    pub min_scale: f64,
    /// Largest crop relative to the training framing (more background, edges repeated).
    pub max_scale: f64,
    /// Largest off-centre shift, as a fraction of the crop's size (each axis).
    pub shift: f64,
    /// Largest relative aspect change of the cut rectangle before the centre crop to the model's
    /// aspect ratio (a 4:3 or square photo of the same face).
    pub aspect: f64,
    /// Probability that a picture is shown at low resolution (face [`Self::min_face_px`] to
    /// [`Self::max_face_px`] wide, area-downscaled, then bilinearly upscaled back).
    pub low_res: f64,
    /// Smallest face width in pixels of the low-resolution pictures.
    pub min_face_px: f64,
    /// Largest face width in pixels of the low-resolution pictures.
    pub max_face_px: f64,
    /// Probability of grayscale under hard light: strong contrast and gamma.
    pub gray_hard: f64,
}

impl Default for FramingAugment {
    fn default() -> Self {
        Self {
            min_scale: tight_scale() * 0.95,
            max_scale: 1.5,
            shift: 0.08,
            aspect: 0.2,
            low_res: 0.25,
            min_face_px: 40.0,
            max_face_px: 90.0,
            gray_hard: 0.12,
        }
    }
}

/// A batch of crops: scale and centre per picture (each `[N]`).
#[derive(Debug)]
pub struct Crops {
    /// Size relative to the training framing.
    pub scale: Tensor,
    /// Centre, normalised x.
    pub cx: Tensor,
    /// Centre, normalised y.
    pub cy: Tensor,
}

impl Crops {
    /// One crop for each of `n` pictures, with libtorch's global RNG. The scale is drawn
    /// log-uniformly; the centre slides from the box centre (tightest crops, whose face must stay
    /// in view) to the framing's centre (scale 1 and wider), plus the shift.
    pub fn draw(a: &FramingAugment, n: i64, device: tch::Device) -> Self {
        let opts = (Kind::Float, device);
        let uniform = |lo: f64, hi: f64| Tensor::rand([n], opts) * (hi - lo) + lo;
        let source = uniform(a.min_scale.ln(), a.max_scale.ln()).exp();
        let stretch = uniform(-(1.0 + a.aspect).ln(), (1.0 + a.aspect).ln()).exp();
        // The centre crop of a (source * stretch) x (source / stretch) rectangle to the model's
        // aspect keeps the smaller side; never below the tightest crop.
        let scale = (&source * &stretch).minimum(&(&source / &stretch)).clamp_min(a.min_scale);
        let (bx, by) = box_centre();
        let tight = tight_scale();
        let towards_box = ((-&scale + 1.0) / (1.0 - tight)).clamp(0.0, 1.0);
        let cx = &towards_box * bx + uniform(-a.shift, a.shift) * 2.0 * &scale;
        let cy = &towards_box * by + uniform(-a.shift, a.shift) * 2.0 * &scale;
        Self { scale, cx, cy }
    }

    /// Fixed crops (tests, check sets): every picture gets `scale` and centre `(cx, cy)`.
    pub fn fixed(n: i64, scale: f64, cx: f64, cy: f64, device: tch::Device) -> Self {
        let full = |v: f64| Tensor::full([n], v, (Kind::Float, device));
        Self { scale: full(scale), cx: full(cx), cy: full(cy) }
    }

    /// The `[N, 2, 3]` affine matrices of `affine_grid`, with a rotation of `angle` radians per
    /// picture (`[N]`) about the crop's centre; `aspect` is the picture's width / height (a
    /// rotation in normalised coordinates of a non-square picture needs it).
    pub fn theta(&self, angle: &Tensor, aspect: f64) -> Tensor {
        let n = self.scale.size()[0];
        let (cos, sin) = (angle.cos() * &self.scale, angle.sin() * &self.scale);
        Tensor::stack(&[&cos, &(-&sin / aspect), &self.cx, &(&sin * aspect), &cos, &self.cy], 1)
            .view([n, 2, 3])
    }
}

/// Samples `xs` (`[N, C, H, W]`) through `theta` (`[N, 2, 3]`) bilinearly, repeating the edge
/// pixels where the crop leaves the picture.
pub fn resample(xs: &Tensor, theta: &Tensor) -> Tensor {
    let size = xs.size();
    let grid = Tensor::affine_grid_generator(theta, &size, false);
    // Bilinear (0), border padding (1): the source coordinate is clamped to the picture.
    xs.grid_sampler(&grid, 0, 1, false)
}

/// Shows some pictures of `x` (`[N, 3, H, W]`, pixel space) at low resolution: picture `i` is
/// chosen with probability `a.low_res`, its face (the detector's box, [`box_width_fraction`] of a
/// crop of `scale[i]`) brought to a random width in `[min_face_px, max_face_px]` by area
/// downscaling, then upscaled back bilinearly. Faces already that small are left alone.
pub fn low_resolution(x: &Tensor, scale: &Tensor, a: &FramingAugment) -> Tensor {
    let (n, _, h, w) = x.size4().unwrap_or((0, 3, 0, 0));
    if n == 0 || a.low_res <= 0.0 {
        return x.shallow_clone();
    }
    let opts = (Kind::Float, x.device());
    let chosen = Tensor::rand([n], opts).lt(a.low_res);
    let target = Tensor::rand([n], opts) * (a.max_face_px - a.min_face_px) + a.min_face_px;
    let mut rows = Vec::with_capacity(n as usize);
    for i in 0..n {
        let row = x.get(i).unsqueeze(0);
        let face_px = w as f64 * box_width_fraction() / scale.double_value(&[i]).max(1e-3);
        let factor = target.double_value(&[i]) / face_px;
        if chosen.int64_value(&[i]) == 0 || factor >= 1.0 {
            rows.push(row);
            continue;
        }
        let (sh, sw) =
            (((h as f64 * factor).round() as i64).max(4), ((w as f64 * factor).round() as i64).max(4));
        rows.push(row.adaptive_avg_pool2d([sh, sw]).upsample_bilinear2d([h, w], false, None, None));
    }
    Tensor::cat(&rows, 0)
}

/// Luma (BT.601) of `x` (`[N, 3, H, W]`), `[N, 1, H, W]`.
pub fn luma(x: &Tensor) -> Tensor {
    let weights = Tensor::from_slice(&[0.299f32, 0.587, 0.114]).to_device(x.device()).view([1, 3, 1, 1]);
    (x * weights).sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
}

/// Hard-lit grayscale of `x` (pixel space, `[0, 1]`): luma, contrast `contrast` about 0.5, then
/// gamma `gamma` (each `[N, 1, 1, 1]`), in all three channels.
pub fn hard_gray(x: &Tensor, contrast: &Tensor, gamma: &Tensor) -> Tensor {
    let (n, _, h, w) = x.size4().unwrap_or((0, 3, 0, 0));
    let y = ((luma(x) - 0.5) * contrast + 0.5).clamp(1e-4, 1.0).pow(gamma);
    y.expand([n, 3, h, w], false)
}

/// Turns some pictures of `x` (probability `a.gray_hard` each) into hard-lit grayscale with a
/// contrast in `[1.5, 2.5]` and a gamma in `[1/2, 2]`.
pub fn random_hard_gray(x: &Tensor, a: &FramingAugment) -> Tensor {
    let (n, _, _, _) = x.size4().unwrap_or((0, 3, 0, 0));
    if n == 0 || a.gray_hard <= 0.0 {
        return x.shallow_clone();
    }
    let opts = (Kind::Float, x.device());
    let chosen = Tensor::rand([n], opts).lt(a.gray_hard).view([n, 1, 1, 1]);
    let contrast = (Tensor::rand([n], opts) + 1.5).view([n, 1, 1, 1]);
    let gamma = ((Tensor::rand([n], opts) * 2.0 - 1.0) * 2f64.ln()).exp().view([n, 1, 1, 1]);
    hard_gray(x, &contrast, &gamma).where_self(&chosen, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    const W: i64 = 176;
    const H: i64 = 216;

    /// A `[1, 1, H, W]` picture: 1 inside the detector's box of the training framing, 0 outside.
    fn box_picture() -> (Tensor, [i64; 4]) {
        let f = FaceFraming::HAAR_CELEBA;
        let (bw, bh) = (W as f64 / f.scale_x as f64, H as f64 / f.scale_y as f64);
        let cx = W as f64 / 2.0 - f.center_dx as f64 * bw;
        let cy = H as f64 / 2.0 - f.center_dy as f64 * bh;
        let (x0, y0) = ((cx - bw / 2.0).round() as i64, (cy - bh / 2.0).round() as i64);
        let (x1, y1) = ((cx + bw / 2.0).round() as i64, (cy + bh / 2.0).round() as i64);
        let pic = Tensor::zeros([1, 1, H, W], (Kind::Float, Device::Cpu));
        let _ = pic.narrow(2, y0, y1 - y0).narrow(3, x0, x1 - x0).fill_(1.0);
        (pic, [x0, y0, x1, y1])
    }

    #[test]
    fn the_tight_crop_is_filled_by_the_face_box() {
        let (pic, [x0, _, x1, _]) = box_picture();
        let (bx, by) = box_centre();
        let crops = Crops::fixed(1, tight_scale(), bx, by, Device::Cpu);
        let out = resample(
            &pic,
            &crops.theta(&Tensor::zeros([1], (Kind::Float, Device::Cpu)), W as f64 / H as f64),
        );
        // The box is wider than tall relative to the framing, so the centre crop to the model's
        // aspect ratio lies inside it: every pixel but a bilinear seam at the rim is face.
        let inner = out.narrow(2, 2, H - 4).narrow(3, 2, W - 4);
        assert!(inner.min().double_value(&[]) > 0.99, "min {}", inner.min().double_value(&[]));
        // A crop twice as large shows the background above and below the box.
        let wider = Crops::fixed(1, 2.0 * tight_scale(), bx, by, Device::Cpu);
        let out = resample(&pic, &wider.theta(&Tensor::zeros([1], (Kind::Float, Device::Cpu)), 1.0));
        assert!(out.get(0).get(0).get(0).max().double_value(&[]) < 0.01, "top row is background");
        assert!(out.get(0).get(0).get(H / 2).get(W / 2).double_value(&[]) > 0.99, "centre is face");
        assert!((x1 - x0) as f64 > 0.55 * W as f64, "box width {}", x1 - x0);
    }

    #[test]
    fn the_tight_scale_and_box_centre_follow_the_measured_framing() {
        assert!((tight_scale() - 1.0 / 2.044).abs() < 1e-6);
        let (bx, by) = box_centre();
        assert!(bx.abs() < 0.01, "{bx}");
        // 0.145 box heights below the framing centre; a box is 1/2.044 of the framing.
        assert!((by - 2.0 * 0.145 / 2.044).abs() < 1e-4, "{by}");
    }

    #[test]
    fn a_wide_crop_repeats_the_edge_pixels() {
        // Columns numbered left to right, rows top to bottom: every value says where it came from.
        let cols =
            Tensor::arange(W, (Kind::Float, Device::Cpu)).view([1, 1, 1, W]).expand([1, 1, H, W], true);
        let rows =
            Tensor::arange(H, (Kind::Float, Device::Cpu)).view([1, 1, H, 1]).expand([1, 1, H, W], true);
        let pic = Tensor::cat(&[cols, rows], 1);
        let crops = Crops::fixed(1, 1.5, 0.0, 0.0, Device::Cpu);
        let out = resample(&pic, &crops.theta(&Tensor::zeros([1], (Kind::Float, Device::Cpu)), 1.0));
        // The crop spans 1.5 framings: its outer sixth on each side lies outside the picture.
        let margin = W / 6 - 2;
        let left = out.get(0).get(0).narrow(1, 0, margin);
        assert_eq!(left.max().double_value(&[]), 0.0, "left margin repeats column 0");
        let right = out.get(0).get(0).narrow(1, W - margin, margin);
        assert_eq!(right.min().double_value(&[]), (W - 1) as f64, "right margin repeats the last column");
        let top = out.get(0).get(1).narrow(0, 0, H / 6 - 2);
        assert_eq!(top.max().double_value(&[]), 0.0, "top margin repeats row 0");
        // The middle is the picture, shrunk 1.5x: the centre stays the centre.
        let centre = out.get(0).get(0).get(H / 2).get(W / 2).double_value(&[]);
        assert!((centre - (W as f64 - 1.0) / 2.0).abs() < 1.0, "{centre}");
    }

    #[test]
    fn drawn_crops_stay_in_range_and_keep_the_face_in_view() {
        tch::manual_seed(7);
        let a = FramingAugment::default();
        let c = Crops::draw(&a, 4000, Device::Cpu);
        let (lo, hi) = (c.scale.min().double_value(&[]), c.scale.max().double_value(&[]));
        assert!(lo >= a.min_scale - 1e-6 && hi <= a.max_scale + 1e-6, "{lo}..{hi}");
        assert!(lo < 0.55 && hi > 1.3, "the range is covered: {lo}..{hi}");
        // The tightest crops are centred near the box, never more than the shift away.
        let tight = c.scale.lt(0.55);
        let (_, by) = box_centre();
        let dy = (c.cy.masked_select(&tight) - by).abs().max().double_value(&[]);
        assert!(dy <= 2.0 * a.shift * 0.55 + 0.05, "{dy}");
    }

    #[test]
    fn low_resolution_blurs_only_chosen_small_faces() {
        let pic = Tensor::rand([2, 3, H, W], (Kind::Float, Device::Cpu));
        let scale = Tensor::from_slice(&[1.0f32, 1.0]);
        let all = FramingAugment { low_res: 1.0, min_face_px: 40.0, max_face_px: 40.0, ..Default::default() };
        let out = low_resolution(&pic, &scale, &all);
        assert_eq!(out.size(), pic.size());
        // Downscaled and back, noise loses most of its variance.
        let var = |t: &Tensor| t.var(true).double_value(&[]);
        assert!(var(&out) < 0.5 * var(&pic), "{} vs {}", var(&out), var(&pic));
        let none = FramingAugment { low_res: 0.0, ..all };
        assert_eq!((low_resolution(&pic, &scale, &none) - &pic).abs().max().double_value(&[]), 0.0);
    }

    #[test]
    fn hard_gray_is_gray_and_harder() {
        let pic = Tensor::rand([1, 3, 32, 32], (Kind::Float, Device::Cpu));
        let one = Tensor::ones([1, 1, 1, 1], (Kind::Float, Device::Cpu));
        let out = hard_gray(&pic, &(&one * 2.0), &one);
        let channels = out.get(0);
        assert_eq!((channels.get(0) - channels.get(2)).abs().max().double_value(&[]), 0.0);
        let spread = |t: &Tensor| t.std(true).double_value(&[]);
        assert!(spread(&channels.get(0)) > 1.5 * spread(&luma(&pic)), "contrast is raised");
    }
}
