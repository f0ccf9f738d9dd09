import Datasets
import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// Class names, the top-patch picture and the evaluation schedule of image runs (issue 15).
@Suite struct ImagePictureTests {
    @Test func knownDatasetsNameTheirClasses() throws {
        #expect(
            ImageDatasetName.fashionMNIST.classNames == [
                "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                "Ankle boot",
            ])
        #expect(ImageDatasetName.cifar10.classNames.first == "airplane")
        #expect(ImageDatasetName.cifar10.classNames.last == "truck")
        #expect(ImageDatasetName.cifar10.classNames.count == 10)
        #expect(ImageDatasetName.mnist.classNames[3] == "digit 3")
        var images = ImageDataConfig()
        images.classes = [1, 8]
        #expect(images.classNames == ["Trouser", "Bag"])
        // Binary: the first class is labelled +1, the second −1.
        #expect(images.className(label: 1) == "Trouser" && images.className(label: -1) == "Bag")
        images.classes = [9, 0, 4]
        #expect(images.classNames == ["Ankle boot", "T-shirt/top", "Coat"])
        #expect(images.className(label: 2) == "Coat" && images.className(label: 0) == "Ankle boot")
        images.dataset = .cifar10
        images.classes = []
        #expect(images.className(label: 3) == "cat")
    }

    /// Each top patch is its whole image (contrast-stretched), with the window outlined in orange
    /// one pixel outside it, and its class named in top-patches.json.
    @Test func topPatchesShowTheWholeImageWithTheWindowOutlined() throws {
        // Two 6×6 images: image 1 is a ramp 0…35 (pixel (row, col) = 6 row + col), image 0 blank.
        let ramp = (0..<36).map { Float($0) }
        let set = ImageSet(
            channels: 1, height: 6, width: 6, pixels: [Float](repeating: 0, count: 36) + ramp, labels: [3, 7],
            patchSize: 3, stride: 1)
        let config = try ConfigResolver.resolve(
            preset: "fmnist-practical", overrides: ["M=4", "patchSize=3", "batchSize=2"])
        let task = try ImageTask(config, loaded: (set, set))
        // Filter 2, its best hit: image 1 at window position 5 (row 1, column 1 of the 4×4 positions).
        let (picture, json) = task.topPatches([[(value: 2, image: 1, position: 5)]], watched: [2])
        #expect(picture.channels == 3 && picture.width == 10 * 16 + 10 && picture.height == 20)
        func rgb(_ x: Int, _ y: Int) -> [UInt8] { Array(picture.pixels[((y * picture.width + x) * 3)...].prefix(3)) }
        let x0 = 10 + 16
        let y0 = 4
        // The whole image, two pixels a pixel, stretched to black…white: pixel (0, 0) black,
        // pixel (5, 5) white, pixel (0, 4) at 24/35 of the way (outside the window).
        #expect(rgb(x0, y0) == [0, 0, 0] && rgb(x0 + 1, y0) == [0, 0, 0])
        #expect(rgb(x0 + 11, y0 + 11) == [255, 255, 255])
        // A pixel value x of the ramp, stretched from 0…35 to −1…1, as a grey level.
        func grey(_ x: Float) -> UInt8 {
            let stretched: Float = 2 * x / 35 - 1
            let level: Float = 127.5 + 127.5 * stretched
            return UInt8(level.rounded())
        }
        let g = grey(24)
        #expect(rgb(x0, y0 + 8) == [g, g, g])
        // The window (rows 1–3, columns 1–3) outlined one pixel outside it: x, y from 1 to 8.
        let orange: [UInt8] = [255, 127, 0]
        for d in 1...8 {
            #expect(rgb(x0 + d, y0 + 1) == orange && rgb(x0 + d, y0 + 8) == orange)
            #expect(rgb(x0 + 1, y0 + d) == orange && rgb(x0 + 8, y0 + d) == orange)
        }
        // Inside the window the image itself: pixel (2, 2) = 14.
        let inside = grey(14)
        #expect(rgb(x0 + 4, y0 + 4) == [inside, inside, inside])
        let patch = try #require(json["filters"]?.arrayValue?.first?["patches"]?.arrayValue?.first)
        #expect(patch["row"]?.intValue == 1 && patch["column"]?.intValue == 1 && patch["image"]?.intValue == 1)
        #expect(patch["label"]?.intValue == 7 && patch["className"]?.stringValue == "Sneaker")
    }

    /// fmnist-practical evaluates often enough for a curve, at every step the old every(200)
    /// schedule did (so its runs can be compared).
    @Test func fmnistPracticalEvaluatesOftenEnoughForACurve() {
        let c = Preset.fmnistPractical.config
        let steps = c.evaluation.schedule.steps(upTo: c.training.steps)
        #expect(steps.count >= 20, "\(steps.count) evaluations")
        #expect(Set(EvaluationSchedule.every(200).steps(upTo: c.training.steps)).isSubset(of: Set(steps)))
    }
}
