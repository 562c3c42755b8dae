import numpy as np
import pytest

from ocrflow.geometry import Affine, box_iou, iou_matrix, order_clockwise, quarter_turn


def test_order_clockwise_from_any_order():
    pts = np.array([[10, 20], [0, 0], [10, 0], [0, 20]], dtype=float)
    assert order_clockwise(pts).tolist() == [[0, 0], [10, 0], [10, 20], [0, 20]]


@pytest.mark.parametrize("angle", [0, 90, 180, 270])
def test_quarter_turn_matches_cv2_rotate(angle):
    import cv2

    image = np.zeros((30, 50), dtype=np.uint8)
    image[7, 11] = 255
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    turned = cv2.rotate(image, codes[angle]) if angle else image
    y, x = np.argwhere(turned == 255)[0]
    mapped = quarter_turn(angle, 50, 30).apply(np.array([[11, 7]]))[0]
    assert mapped.tolist() == [x, y]


def test_affine_inverse_and_composition_round_trip():
    a = quarter_turn(90, 50, 30).then(Affine([[0.98, 0.17, 3.0], [-0.17, 0.98, 9.0]]))
    pts = np.array([[1.0, 2.0], [40.0, 25.0]])
    assert np.allclose(a.inverse().apply(a.apply(pts)), pts)


def test_iou():
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou_matrix(np.array([[0, 0, 10, 10]]), np.array([[20, 20, 30, 30]]))[0, 0] == 0.0
